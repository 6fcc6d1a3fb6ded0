package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DeliveryRecord is one digest sent, or tried, to a subscriber, as the person's record shows it.
type DeliveryRecord struct {
	RunID     int64     `json:"run_id"`
	Frequency string    `json:"frequency"`
	Slot      time.Time `json:"slot"` // the scheduled time of the run
	Status    string    `json:"status"`
	MessageID string    `json:"message_id,omitempty"`
	Articles  int       `json:"articles"`
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

// OneOffMail is a one-off mail (confirmation, re-consent) queued for a subscriber.
type OneOffMail struct {
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

// SubscriberRecord is everything Caravan holds about one person, the answer to
// a GDPR access request: their row with its consent record, the consent
// history, every digest and every one-off mail sent to them.
type SubscriberRecord struct {
	Subscriber     Subscriber       `json:"subscriber"`
	ConsentHistory []ConsentEvent   `json:"consent_history"`
	Deliveries     []DeliveryRecord `json:"deliveries"`
	Mails          []OneOffMail     `json:"mails"`
}

// SubscriberRecord returns the record of the address, or ErrNotFound.
func (s *Store) SubscriberRecord(ctx context.Context, email string) (SubscriberRecord, error) {
	sub, err := s.SubscriberByEmail(ctx, email)
	if err != nil {
		return SubscriberRecord{}, err
	}
	rec := SubscriberRecord{Subscriber: sub, Deliveries: []DeliveryRecord{}, Mails: []OneOffMail{}}
	if rec.ConsentHistory, err = s.ConsentHistory(ctx, sub.ID); err != nil {
		return SubscriberRecord{}, fmt.Errorf("subscriber record: %w", err)
	}
	if rec.Deliveries, err = s.deliveriesOf(ctx, sub.ID); err != nil {
		return SubscriberRecord{}, fmt.Errorf("subscriber record: %w", err)
	}
	if rec.Mails, err = s.mailsOf(ctx, sub.ID); err != nil {
		return SubscriberRecord{}, fmt.Errorf("subscriber record: %w", err)
	}
	return rec, nil
}

func (s *Store) deliveriesOf(ctx context.Context, id int64) ([]DeliveryRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.run_id, r.frequency, r.slot, d.status, d.message_id, d.articles,
		d.attempts, d.error, d.created_at
		FROM deliveries d JOIN digest_runs r ON r.id = d.run_id
		WHERE d.subscriber_id = ? ORDER BY d.id DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	defer rows.Close()
	out := []DeliveryRecord{}
	for rows.Next() {
		var d DeliveryRecord
		var slot, at int64
		if err := rows.Scan(&d.RunID, &d.Frequency, &slot, &d.Status, &d.MessageID, &d.Articles, &d.Attempts,
			&d.Error, &at); err != nil {
			return nil, fmt.Errorf("deliveries: %w", err)
		}
		d.Slot, d.At = ms(slot), ms(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Store) mailsOf(ctx context.Context, id int64) ([]OneOffMail, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, status, attempts, created_at, sent_at FROM outbox
		WHERE subscriber_id = ? ORDER BY id DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("mails: %w", err)
	}
	defer rows.Close()
	out := []OneOffMail{}
	for rows.Next() {
		var m OneOffMail
		var created int64
		var sent sql.NullInt64
		if err := rows.Scan(&m.Kind, &m.Status, &m.Attempts, &created, &sent); err != nil {
			return nil, fmt.Errorf("mails: %w", err)
		}
		m.CreatedAt, m.SentAt = ms(created), msPtr(sent)
		out = append(out, m)
	}
	return out, rows.Err()
}
