package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// recordSet writes a batch of outcomes with a few statements whatever its
// size, by the rules of ledger.record. It is the PostgreSQL path: there every
// statement is a round trip to the server, and three per outcome, written by
// one goroutine while the senders wait for it, would set the pace of the run.
// SQLite, in process, runs ledger.record's prepared statements faster.
func (l *ledger) recordSet(ctx context.Context, tx *sql.Tx, ds []Delivery) error {
	keys, status, err := l.prevStatuses(ctx, tx, ds)
	if err != nil {
		return err
	}
	var (
		writes  = map[int64]Delivery{} // the row each subscriber ends the batch with
		order   []int64
		advance []int64
		bounced []int64
	)
	for _, d := range ds {
		prev, known := status[d.SubscriberID]
		switch {
		case !known:
			continue // erased meanwhile: no trace
		case prev == "":
			l.counts.Selected++
		case prev != DeliveryFailedTemp:
			continue // final already: the first word stands
		default:
			l.counts.FailedTemp--
		}
		d.Error = truncate(d.Error, 500)
		if w, ok := writes[d.SubscriberID]; ok { // a temporary failure earlier in this very batch
			d.Attempts += w.Attempts
		} else {
			order = append(order, d.SubscriberID)
		}
		writes[d.SubscriberID] = d
		status[d.SubscriberID] = d.Status
		switch d.Status {
		case DeliverySent:
			l.counts.Sent++
			advance = append(advance, d.SubscriberID)
		case DeliveryEmpty:
			l.counts.SkippedEmpty++
			advance = append(advance, d.SubscriberID)
		case DeliveryFailedTemp:
			l.counts.FailedTemp++
		case DeliveryFailedPerm:
			l.counts.FailedPerm++
			if d.Bounce {
				bounced = append(bounced, d.SubscriberID)
			}
		case DeliveryWithheld:
			l.counts.Withheld++
		}
	}
	if err := l.insertSet(ctx, tx, order, writes); err != nil {
		return err
	}
	for start := 0; start < len(advance); start += copyPage {
		chunk := advance[start:min(start+copyPage, len(advance))]
		args := append([]any{l.cutoff}, int64Args(chunk)...)
		if _, err := tx.ExecContext(ctx, `UPDATE subscribers SET digest_since = ? WHERE id IN (`+
			placeholders(len(chunk))+`) AND COALESCE(digest_since, 0) < ?`, append(args, l.cutoff)...); err != nil {
			return fmt.Errorf("advance digests: %w", err)
		}
	}
	for _, id := range bounced {
		if err := l.s.bounceHard(ctx, tx, id, keys[id], l.now); err != nil {
			return fmt.Errorf("subscriber %d: %w", id, err)
		}
	}
	return nil
}

// prevStatuses reads, for the subscribers of ds that still exist, their
// address key and their ledger status in the run ("" for none).
func (l *ledger) prevStatuses(ctx context.Context, tx *sql.Tx, ds []Delivery) (keys, status map[int64]string, err error) {
	keys, status = map[int64]string{}, map[int64]string{}
	ids := make([]int64, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.SubscriberID)
	}
	for start := 0; start < len(ids); start += copyPage {
		chunk := ids[start:min(start+copyPage, len(ids))]
		// A correlated lookup, not a join: it keeps to the (run_id, subscriber_id)
		// index however many outcomes the run already has.
		rows, err := tx.QueryContext(ctx, `SELECT s.id, s.email_key, COALESCE((SELECT d.status FROM deliveries d
			WHERE d.run_id = ? AND d.subscriber_id = s.id), '') FROM subscribers s
			WHERE s.id IN (`+placeholders(len(chunk))+`)`, append([]any{l.runID}, int64Args(chunk)...)...)
		if err != nil {
			return nil, nil, fmt.Errorf("read ledger: %w", err)
		}
		for rows.Next() {
			var id int64
			var key, st string
			if err := rows.Scan(&id, &key, &st); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("read ledger: %w", err)
			}
			keys[id], status[id] = key, st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("read ledger: %w", err)
		}
	}
	return keys, status, nil
}

// insertSet writes the rows of writes, in order, with ledgerInsertSQL's
// conflict rule, a few hundred rows a statement.
func (l *ledger) insertSet(ctx context.Context, tx *sql.Tx, order []int64, writes map[int64]Delivery) error {
	for start := 0; start < len(order); start += copyPage {
		chunk := order[start:min(start+copyPage, len(order))]
		args := make([]any, 0, 8*len(chunk))
		for _, id := range chunk {
			d := writes[id]
			args = append(args, l.runID, id, d.Status, d.MessageID, d.Articles, d.Attempts, d.Error, l.now)
		}
		values := strings.TrimSuffix(strings.Repeat("("+placeholders(8)+"), ", len(chunk)), ", ")
		if _, err := tx.ExecContext(ctx, ledgerInsertInto+`VALUES `+values+ledgerInsertRule, args...); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
	}
	return nil
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
