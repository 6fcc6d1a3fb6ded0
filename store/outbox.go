package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Kinds of one-off mail in the outbox.
const (
	MailConfirm   = "confirm"
	MailReconsent = "reconsent"
)

// OutboxMail is one queued message, claimed for delivery.
type OutboxMail struct {
	ID           int64
	Kind         string
	SubscriberID int64
	SignupID     int64 // the signup a confirmation or reminder is about; 0 for the others
	Attempts     int
}

const queueMailSQL = `INSERT INTO outbox (kind, subscriber_id, status, next_attempt_at, created_at)
	VALUES (?, ?, 'queued', ?, ?)`

func queueMail(ctx context.Context, tx sqlTx, now time.Time, kind string, subscriberID int64) error {
	_, err := tx.ExecContext(ctx, queueMailSQL, kind, subscriberID, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("queue %s mail: %w", kind, err)
	}
	return nil
}

// ClaimMail takes up to limit due messages for delivery. Each is leased for
// lease: if the process dies before it reports, the message is due again then.
func (s *Store) ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]OutboxMail, error) {
	now := s.now()
	// The sender loop asks every second; most of the time nothing is due, and a
	// read answers that without taking the one write lock that signups need.
	var due int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM outbox WHERE status = 'queued'
		AND next_attempt_at <= ? LIMIT 1) AS due`, now.UnixMilli()).Scan(&due)
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	if due == 0 {
		return nil, nil
	}
	var out []OutboxMail
	err = s.write(ctx, func(tx *sql.Tx) error {
		// On PostgreSQL several processes claim at once: each skips the rows
		// another is claiming, and FOR UPDATE checks each row again as committed.
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT ?`+s.skipLocked()+`)
			RETURNING id, kind, subscriber_id, COALESCE(signup_id, 0), attempts`, now.Add(lease).UnixMilli(), now.UnixMilli(), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m OutboxMail
			if err := rows.Scan(&m.ID, &m.Kind, &m.SubscriberID, &m.SignupID, &m.Attempts); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	return out, nil
}

// ReleaseMail gives claimed messages back, unsent and due now: a sender that
// stops (a shutdown) hands back what it claimed instead of leaving it leased.
// The claim's attempt is not counted.
func (s *Store) ReleaseMail(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := append([]any{s.nowMS()}, int64Args(ids)...)
	_, err := s.w.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = ?, attempts = attempts - 1
		WHERE status = 'queued' AND attempts > 0 AND id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return fmt.Errorf("release %d mails: %w", len(ids), err)
	}
	return nil
}

// MailSent records a delivered message.
func (s *Store) MailSent(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ? AND status <> 'sent'`, s.nowMS(), id)
		if err != nil {
			return fmt.Errorf("mail %d sent: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return bump(ctx, tx, s.now(), EventSent)
	})
}

// MailFailed records a failed attempt: retried at retryAt, or given up when retryAt is zero.
func (s *Store) MailFailed(ctx context.Context, id int64, cause error, retryAt time.Time) error {
	status, next := "queued", retryAt.UnixMilli()
	if retryAt.IsZero() {
		status, next = "failed", s.nowMS()
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ? WHERE id = ?`,
			status, next, truncate(cause.Error(), 500), id)
		if err != nil {
			return fmt.Errorf("mail %d failed: %w", id, err)
		}
		return nil
	})
}

// QueuedMail counts messages waiting in the outbox.
func (s *Store) QueuedMail(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE status = 'queued'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count queued mail: %w", err)
	}
	return n, nil
}
