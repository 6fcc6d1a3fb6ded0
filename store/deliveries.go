package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Delivery statuses: one per run and subscriber, in the ledger.
const (
	DeliverySent       = "sent"
	DeliveryEmpty      = "empty"       // nothing new: no mail
	DeliveryFailedTemp = "failed_temp" // retried by a resumed run, else left for the next one
	DeliveryFailedPerm = "failed_perm" // the address bounced
)

// Delivery is the outcome of one run for one subscriber.
type Delivery struct {
	SubscriberID int64
	Status       string
	MessageID    string // of the mail sent, if one was
	Articles     int    // articles in the digest, including those counted in "and N more"
	Attempts     int
	Error        string // the last SMTP error, for failures
}

// DigestFrom is when the subscriber's next digest starts: their previous
// digest's cutoff, else their confirmation.
func (sub Subscriber) DigestFrom() time.Time {
	switch {
	case !sub.DigestSince.IsZero():
		return sub.DigestSince
	case !sub.ConfirmedAt.IsZero():
		return sub.ConfirmedAt
	}
	return sub.CreatedAt
}

// DueSubscribers returns, in id order, up to limit subscribers with id above
// afterID that run still owes a digest: active, of the run's frequency,
// subscribed by its cutoff, and with no ledger entry for it but a temporary
// failure. Callers page through with the last id they got, so the list is never
// loaded whole.
func (s *Store) DueSubscribers(ctx context.Context, run Run, afterID int64, limit int) ([]Subscriber, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers s
		WHERE s.status = 'active' AND s.frequency = ? AND s.id > ?
		  AND COALESCE(s.confirmed_at, s.created_at) <= ?
		  AND NOT EXISTS (SELECT 1 FROM deliveries d
			WHERE d.run_id = ? AND d.subscriber_id = s.id AND d.status <> 'failed_temp')
		ORDER BY s.id LIMIT ?`, run.Frequency, afterID, run.Cutoff.UnixMilli(), run.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("due subscribers of run %d: %w", run.ID, err)
	}
	defer rows.Close()
	var out []Subscriber
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return nil, fmt.Errorf("due subscribers of run %d: %w", run.ID, err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due subscribers of run %d: %w", run.ID, err)
	}
	return out, nil
}

// DigestWatermark is the oldest DigestFrom of the active subscribers of
// frequency: no digest of theirs needs an article that arrived before it. It
// is zero when there are none.
func (s *Store) DigestWatermark(ctx context.Context, frequency string) (time.Time, error) {
	var v sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT MIN(COALESCE(digest_since, confirmed_at, created_at))
		FROM subscribers WHERE status = 'active' AND frequency = ?`, frequency).Scan(&v)
	if err != nil {
		return time.Time{}, fmt.Errorf("digest watermark of %s: %w", frequency, err)
	}
	return msPtr(v), nil
}

// DigestArticles returns the articles that arrived after after and up to upTo,
// newest published first: the window a run (or a preview) picks from.
func (s *Store) DigestArticles(ctx context.Context, after, upTo time.Time) ([]Article, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, guid, url, title, summary, countries,
		published_at, arrived_at, updated_at, feed_id
		FROM articles WHERE arrived_at > ? AND arrived_at <= ?
		ORDER BY published_at DESC, id DESC`, after.UnixMilli(), upTo.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("digest articles: %w", err)
	}
	defer rows.Close()
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("digest articles: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("digest articles: %w", err)
	}
	return out, nil
}

// RecordDeliveries writes a batch of outcomes of runID in one transaction, and
// with them their consequences: a subscriber who was sent their digest, or had
// nothing new, starts the next one at the run's cutoff; a permanent failure
// marks them bounced and suppresses the address. An outcome replaces an earlier
// one of the same run only if that was a temporary failure. The run's counts
// and heartbeat are updated.
func (s *Store) RecordDeliveries(ctx context.Context, runID int64, ds []Delivery) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var cutoff int64
		if err := tx.QueryRowContext(ctx, `SELECT cutoff FROM digest_runs WHERE id = ?`, runID).Scan(&cutoff); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		var c RunCounts
		for _, d := range ds {
			if err := s.recordDelivery(ctx, tx, runID, cutoff, d, &c); err != nil {
				return fmt.Errorf("subscriber %d: %w", d.SubscriberID, err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE digest_runs SET selected = selected + ?, sent = sent + ?,
			skipped_empty = skipped_empty + ?, failed_temp = failed_temp + ?, failed_perm = failed_perm + ?,
			heartbeat_at = ? WHERE id = ?`,
			c.Selected, c.Sent, c.SkippedEmpty, c.FailedTemp, c.FailedPerm, s.nowMS(), runID)
		return err
	})
	if err != nil {
		return fmt.Errorf("record %d deliveries of run %d: %w", len(ds), runID, err)
	}
	return nil
}

// recordDelivery writes one outcome and adds it to c. Replacing a temporary
// failure moves its count rather than adding a subscriber. A subscriber erased
// meanwhile leaves no trace.
func (s *Store) recordDelivery(ctx context.Context, tx *sql.Tx, runID, cutoff int64, d Delivery, c *RunCounts) error {
	var key, prev string
	err := tx.QueryRowContext(ctx, `SELECT s.email_key, COALESCE(d.status, '') FROM subscribers s
		LEFT JOIN deliveries d ON d.run_id = ? AND d.subscriber_id = s.id WHERE s.id = ?`,
		runID, d.SubscriberID).Scan(&key, &prev)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case prev == "":
		c.Selected++
	case prev != DeliveryFailedTemp:
		return nil // final already: the first word stands
	default:
		c.FailedTemp--
	}
	now := s.nowMS()
	_, err = tx.ExecContext(ctx, `INSERT INTO deliveries
		(run_id, subscriber_id, status, message_id, articles, attempts, error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (run_id, subscriber_id) DO UPDATE SET status = excluded.status,
			message_id = excluded.message_id, articles = excluded.articles,
			attempts = deliveries.attempts + excluded.attempts, error = excluded.error, created_at = excluded.created_at
		WHERE deliveries.status = 'failed_temp'`,
		runID, d.SubscriberID, d.Status, d.MessageID, d.Articles, d.Attempts, truncate(d.Error, 500), now)
	if err != nil {
		return err
	}
	switch d.Status {
	case DeliverySent, DeliveryEmpty:
		if d.Status == DeliverySent {
			c.Sent++
		} else {
			c.SkippedEmpty++
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET digest_since = MAX(COALESCE(digest_since, 0), ?)
			WHERE id = ?`, cutoff, d.SubscriberID)
	case DeliveryFailedTemp:
		c.FailedTemp++
	case DeliveryFailedPerm:
		c.FailedPerm++
		err = s.bounce(ctx, tx, d.SubscriberID, key, now)
	default:
		return fmt.Errorf("delivery status %q: %w", d.Status, ErrInvalid)
	}
	return err
}

// bounce marks a subscriber whose address was refused for good as bounced
// (unless they left meanwhile) and suppresses the address.
func (s *Store) bounce(ctx context.Context, tx *sql.Tx, id int64, key string, now int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE subscribers SET status = 'bounced', updated_at = ?
		WHERE id = ? AND status = 'active'`, now, id)
	if err != nil {
		return fmt.Errorf("mark bounced: %w", err)
	}
	return s.suppress(ctx, tx, key, "bounce")
}
