package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The events of the outgoing webhooks.
const (
	WebhookPending      = "subscriber.pending"
	WebhookConfirmed    = "subscriber.confirmed"
	WebhookUpdated      = "subscriber.updated"
	WebhookUnsubscribed = "subscriber.unsubscribed"
	WebhookBounced      = "subscriber.bounced"
	WebhookComplained   = "subscriber.complained"
	WebhookErased       = "subscriber.erased"
)

// WebhookMaxAge is how long an event is retried before it is given up.
const WebhookMaxAge = 24 * time.Hour

// WebhookEvent is one queued event and its delivery state.
type WebhookEvent struct {
	ID            int64           `json:"-"`
	EventID       string          `json:"id"` // webhook-id: the same across attempts
	Type          string          `json:"type"`
	Payload       json.RawMessage `json:"payload"` // the body POSTed
	Status        string          `json:"status"`  // pending, delivered, failed (given up)
	Attempts      int             `json:"attempts"`
	NextAttemptAt time.Time       `json:"next_attempt_at,omitzero"`
	LastError     string          `json:"last_error,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	DeliveredAt   time.Time       `json:"delivered_at,omitzero"`
}

// WebhookSubscriber is the subscriber as an event shows it. An erased
// subscriber's event carries the id only.
type WebhookSubscriber struct {
	ID        int64    `json:"id"`
	Email     string   `json:"email,omitempty"`
	Status    string   `json:"status,omitempty"`
	Countries []string `json:"countries,omitempty"`
	Frequency string   `json:"frequency,omitempty"`
	Locale    string   `json:"locale,omitempty"`
}

// webhookBody is the JSON POSTed, in Standard Webhooks' shape.
type webhookBody struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      struct {
		Subscriber WebhookSubscriber `json:"subscriber"`
	} `json:"data"`
}

// SettingWebhooks is the setting that turns the queue on ("on"): the
// database, not one process, knows whether events have a receiver, so that
// a change made from the command line is reported too. caravan serve sets it
// from CARAVAN_WEBHOOK_URL.
const SettingWebhooks = "webhooks"

// webhooksOn reports whether events are queued.
func webhooksOn(ctx context.Context, tx sqlTx) (bool, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, SettingWebhooks).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return v == "on", err
}

// enqueueWebhook queues an event about sub inside tx, the transaction of the
// change it reports, so that the event exists exactly when the change does.
func enqueueWebhook(ctx context.Context, tx sqlTx, now time.Time, typ string, sub WebhookSubscriber) error {
	if on, err := webhooksOn(ctx, tx); err != nil || !on {
		return err
	}
	var b webhookBody
	b.Type, b.Timestamp, b.Data.Subscriber = typ, now.UTC().Format(time.RFC3339Nano), sub
	if typ == WebhookErased {
		b.Data.Subscriber = WebhookSubscriber{ID: sub.ID}
	}
	payload, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO webhook_events (event_id, type, payload, status, next_attempt_at, created_at)
		VALUES (?, ?, ?, 'pending', ?, ?)`, "msg_"+strings.ToLower(rand.Text()), typ, string(payload), now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("queue webhook %s: %w", typ, err)
	}
	return nil
}

// EnqueueWebhook queues an event about sub on its own, for changes made outside
// the store's transactions.
func (s *Store) EnqueueWebhook(ctx context.Context, typ string, sub WebhookSubscriber) error {
	return s.write(ctx, func(tx *sql.Tx) error { return enqueueWebhook(ctx, tx, s.now(), typ, sub) })
}

const webhookColumns = `id, event_id, type, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at`

// DueWebhooks returns up to limit pending events whose time has come, oldest first.
func (s *Store) DueWebhooks(ctx context.Context, limit int) ([]WebhookEvent, error) {
	out, err := s.webhookList(ctx, `SELECT `+webhookColumns+` FROM webhook_events
		WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?`, s.nowMS(), limit)
	if err != nil {
		return nil, fmt.Errorf("due webhooks: %w", err)
	}
	return out, nil
}

// ListWebhooks returns the latest limit events, newest first; status filters
// when it is not empty.
func (s *Store) ListWebhooks(ctx context.Context, status string, limit int) ([]WebhookEvent, error) {
	out, err := s.webhookList(ctx, `SELECT `+webhookColumns+` FROM webhook_events
		WHERE ? = '' OR status = ? ORDER BY id DESC LIMIT ?`, status, status, limit)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

func (s *Store) webhookList(ctx context.Context, q string, args ...any) ([]WebhookEvent, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []WebhookEvent{}
	for rows.Next() {
		var e WebhookEvent
		var payload string
		var next, created int64
		var delivered sql.NullInt64
		if err := rows.Scan(&e.ID, &e.EventID, &e.Type, &payload, &e.Status, &e.Attempts, &next, &e.LastError,
			&created, &delivered); err != nil {
			return nil, err
		}
		e.Payload, e.CreatedAt = json.RawMessage(payload), ms(created)
		if e.Status == "pending" {
			e.NextAttemptAt = ms(next)
		}
		if delivered.Valid {
			e.DeliveredAt = ms(delivered.Int64)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// WebhookDelivered records that the receiver took event id.
func (s *Store) WebhookDelivered(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_events SET status = 'delivered', attempts = attempts + 1,
			delivered_at = ?, last_error = '' WHERE id = ?`, s.nowMS(), id)
		if err != nil {
			return fmt.Errorf("webhook %d delivered: %w", id, err)
		}
		return nil
	})
}

// WebhookFailed records a failed attempt: retried at retryAt, or given up
// when retryAt is zero.
func (s *Store) WebhookFailed(ctx context.Context, id int64, cause string, retryAt time.Time) error {
	status, next := "pending", retryAt.UnixMilli()
	if retryAt.IsZero() {
		status, next = "failed", 0
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_events SET status = ?, attempts = attempts + 1,
			next_attempt_at = ?, last_error = ? WHERE id = ?`, status, next, clipWebhookError(cause), id)
		if err != nil {
			return fmt.Errorf("webhook %d failed: %w", id, err)
		}
		return nil
	})
}

// clipWebhookError keeps the first 500 bytes of a receiver's error, whole characters only.
func clipWebhookError(s string) string {
	if len(s) <= 500 {
		return s
	}
	s = s[:500]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
