package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The ledger's statements, prepared once at Open (see prepared.go): a batch
// runs the first three once per outcome and the last two once, and SQLite
// spends more time parsing them than running them.
const (
	ledgerCutoffSQL = `SELECT cutoff FROM digest_runs WHERE id = ?`
	ledgerCountsSQL = `UPDATE digest_runs SET selected = selected + ?, sent = sent + ?,
			skipped_empty = skipped_empty + ?, failed_temp = failed_temp + ?, failed_perm = failed_perm + ?,
			withheld = withheld + ?, heartbeat_at = ? WHERE id = ?`
	ledgerPrevSQL = `SELECT s.email_key, COALESCE(d.status, '') FROM subscribers s
		LEFT JOIN deliveries d ON d.run_id = ? AND d.subscriber_id = s.id WHERE s.id = ?`
	ledgerInsertSQL  = ledgerInsertInto + `VALUES (?, ?, ?, ?, ?, ?, ?, ?)` + ledgerInsertRule
	ledgerInsertInto = `INSERT INTO deliveries
		(run_id, subscriber_id, status, message_id, articles, attempts, error, created_at) `
	ledgerInsertRule = ` ON CONFLICT (run_id, subscriber_id) DO UPDATE SET status = excluded.status,
			message_id = excluded.message_id, articles = excluded.articles,
			attempts = deliveries.attempts + excluded.attempts, error = excluded.error, created_at = excluded.created_at
		WHERE deliveries.status = 'failed_temp'`
	ledgerAdvanceSQL = `UPDATE subscribers SET digest_since = ? WHERE id = ? AND COALESCE(digest_since, 0) < ?`
)

// RecordDeliveries writes a batch of outcomes of runID in one transaction, and
// with them their consequences: a subscriber who was sent their digest, or had
// nothing new, starts the next one at the run's cutoff; a bounce (a permanent
// failure about the mailbox, Delivery.Bounce) marks them bounced and
// suppresses the address, while a refusal of the message alone (policy,
// content, relay) suppresses nobody; a reader withheld keeps
// their start (they are owed nothing more, or must get nothing). An outcome replaces an earlier
// one of the same run only if that was a temporary failure. The run's counts
// and heartbeat are updated.
func (s *Store) RecordDeliveries(ctx context.Context, runID int64, ds []Delivery) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		htx := hotTx{tx, s.hot}
		var cutoff int64
		if err := htx.QueryRowContext(ctx, ledgerCutoffSQL, runID).Scan(&cutoff); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		l := ledger{s: s, runID: runID, cutoff: cutoff, now: s.nowMS()}
		if s.pg { // a round trip per statement: see recordSet
			if err := l.recordSet(ctx, tx, ds); err != nil {
				return err
			}
		} else if err := l.recordEach(ctx, tx, ds); err != nil {
			return err
		}
		c := l.counts
		if _, err := htx.ExecContext(ctx, ledgerCountsSQL,
			c.Selected, c.Sent, c.SkippedEmpty, c.FailedTemp, c.FailedPerm, c.Withheld, l.now, runID); err != nil {
			return err
		}
		if err := bumpN(ctx, tx, ms(l.now), EventSent, int(c.Sent)); err != nil { // the complaint rate's denominator
			return err
		}
		// After the run's row, as every transaction on claims locks them: in that
		// order, no two processes of a shared run ever wait on each other in a circle.
		return s.spendClaims(ctx, tx, runID, ds)
	})
	if err != nil {
		return fmt.Errorf("record %d deliveries of run %d: %w", len(ds), runID, err)
	}
	return nil
}

// recordEach writes the outcomes one by one, through prepared statements.
func (l *ledger) recordEach(ctx context.Context, tx *sql.Tx, ds []Delivery) error {
	if err := l.prepare(ctx, tx); err != nil {
		return err
	}
	for _, d := range ds {
		if err := l.record(ctx, tx, d); err != nil {
			return fmt.Errorf("subscriber %d: %w", d.SubscriberID, err)
		}
	}
	return nil
}

// ledger writes one batch of a run's outcomes and counts them.
type ledger struct {
	s                  *Store
	runID, cutoff, now int64
	prev, ins, advance *sql.Stmt
	counts             RunCounts
}

// prepare binds the ledger's statements to tx: on SQLite those prepared at
// Open on the writer's one connection; elsewhere they are prepared for tx.
// Either way they are released with tx.
func (l *ledger) prepare(ctx context.Context, tx *sql.Tx) error {
	var err error
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{{&l.prev, ledgerPrevSQL}, {&l.ins, ledgerInsertSQL}, {&l.advance, ledgerAdvanceSQL}} {
		if hot, ok := l.s.hot[p.q]; ok {
			*p.st = tx.StmtContext(ctx, hot)
		} else if *p.st, err = tx.PrepareContext(ctx, p.q); err != nil {
			return fmt.Errorf("prepare ledger: %w", err)
		}
	}
	return nil
}

// record writes one outcome. Replacing a temporary failure moves its count
// rather than adding a subscriber; a final outcome is never replaced; a
// subscriber erased meanwhile leaves no trace.
func (l *ledger) record(ctx context.Context, tx *sql.Tx, d Delivery) error {
	var key, prev string
	err := l.prev.QueryRowContext(ctx, l.runID, d.SubscriberID).Scan(&key, &prev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case prev == "":
		l.counts.Selected++
	case prev != DeliveryFailedTemp:
		return nil // final already: the first word stands
	default:
		l.counts.FailedTemp--
	}
	if _, err := l.ins.ExecContext(ctx, l.runID, d.SubscriberID, d.Status, d.MessageID, d.Articles, d.Attempts,
		truncate(d.Error, 500), l.now); err != nil {
		return err
	}
	switch d.Status {
	case DeliverySent:
		l.counts.Sent++
		_, err = l.advance.ExecContext(ctx, l.cutoff, d.SubscriberID, l.cutoff)
	case DeliveryEmpty:
		l.counts.SkippedEmpty++
		_, err = l.advance.ExecContext(ctx, l.cutoff, d.SubscriberID, l.cutoff)
	case DeliveryFailedTemp:
		l.counts.FailedTemp++
	case DeliveryFailedPerm:
		l.counts.FailedPerm++
		if d.Bounce { // a refusal of this message only (policy, content, relay) suppresses nobody
			err = l.s.bounceHard(ctx, tx, d.SubscriberID, key, l.now)
		}
	case DeliveryWithheld:
		l.counts.Withheld++
	}
	return err
}

// bounceHard does for an address the SMTP server refused for good what a
// relay's hard-bounce report does (see Bounce): the address is suppressed, the
// subscriber marked bounced, and both counted for the stats.
func (s *Store) bounceHard(ctx context.Context, tx *sql.Tx, id int64, key string, now int64) error {
	if err := bump(ctx, tx, ms(now), "bounce."+BounceHard); err != nil {
		return err
	}
	if err := s.suppress(ctx, tx, key, "bounce-"+BounceHard, id); err != nil {
		return err
	}
	return s.markBounced(ctx, tx, ms(now), id, ChannelBounce, &BounceResult{})
}
