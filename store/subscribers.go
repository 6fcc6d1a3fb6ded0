package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Subscriber statuses.
const (
	StatusPending      = "pending"
	StatusActive       = "active"
	StatusUnsubscribed = "unsubscribed"
	StatusBounced      = "bounced"
)

// Subscriber is one person on the list.
type Subscriber struct {
	ID                 int64     `json:"id"`
	Email              string    `json:"email"`
	Status             string    `json:"status"`
	Countries          []string  `json:"countries"` // empty means all
	Frequency          string    `json:"frequency"`
	Alerts             bool      `json:"alerts"` // breaking-news alerts too (frequency "immediate")
	Locale             string    `json:"locale"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	ConfirmedAt        time.Time `json:"confirmed_at,omitzero"`
	UnsubscribedAt     time.Time `json:"unsubscribed_at,omitzero"`
	UnsubscribeChannel string    `json:"unsubscribe_channel,omitempty"`
	DigestSince        time.Time `json:"digest_since,omitzero"`
	SoftBounces        int       `json:"soft_bounces"`
	LastActivityAt     time.Time `json:"last_activity_at"`
	Consent            Consent   `json:"consent"`
}

// Consent is the record that proves a subscriber asked for the newsletter.
type Consent struct {
	At          time.Time `json:"at"`
	Method      string    `json:"method"` // form, api, import, import-confirmed
	Source      string    `json:"source,omitempty"`
	TextVersion string    `json:"text_version,omitempty"`
	IP          string    `json:"ip,omitempty"` // truncated
	UserAgent   string    `json:"user_agent,omitempty"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
}

const subscriberColumns = `id, email, status, countries, frequency, locale, created_at, updated_at,
	confirmed_at, unsubscribed_at, unsubscribe_channel, digest_since, soft_bounces, last_activity_at,
	consent_at, consent_method, consent_source, consent_text, consent_ip, consent_agent, alerts`

type scanner interface{ Scan(dest ...any) error }

func scanSubscriber(row scanner) (Subscriber, error) {
	var (
		s                                    Subscriber
		countries                            string
		created, updated, activity, consent  int64
		confirmed, unsubscribed, digestSince sql.NullInt64
		alerts                               int
	)
	err := row.Scan(&s.ID, &s.Email, &s.Status, &countries, &s.Frequency, &s.Locale, &created, &updated,
		&confirmed, &unsubscribed, &s.UnsubscribeChannel, &digestSince, &s.SoftBounces, &activity,
		&consent, &s.Consent.Method, &s.Consent.Source, &s.Consent.TextVersion, &s.Consent.IP, &s.Consent.UserAgent, &alerts)
	if err != nil {
		return Subscriber{}, err
	}
	s.Countries = splitCodes(countries)
	s.Alerts = alerts != 0
	s.CreatedAt, s.UpdatedAt, s.LastActivityAt = ms(created), ms(updated), ms(activity)
	s.ConfirmedAt, s.UnsubscribedAt, s.DigestSince = msPtr(confirmed), msPtr(unsubscribed), msPtr(digestSince)
	s.Consent.At, s.Consent.ConfirmedAt = ms(consent), s.ConfirmedAt
	return s, nil
}

// Subscriber returns the subscriber with id, or ErrNotFound.
func (s *Store) Subscriber(ctx context.Context, id int64) (Subscriber, error) {
	sub, err := scanSubscriber(s.r.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("subscriber %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("subscriber %d: %w", id, err)
	}
	return sub, nil
}

// SubscriberByEmail returns the subscriber with that normalized address (any case), or ErrNotFound.
func (s *Store) SubscriberByEmail(ctx context.Context, email string) (Subscriber, error) {
	sub, err := scanSubscriber(s.r.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE email_key = ?`, EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("subscriber by email: %w", ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("subscriber by email: %w", err)
	}
	return sub, nil
}

const selectSubscriberByKey = `SELECT ` + subscriberColumns + ` FROM subscribers WHERE email_key = ?`

func subscriberTx(ctx context.Context, tx sqlTx, key string) (Subscriber, error) {
	return scanSubscriber(tx.QueryRowContext(ctx, selectSubscriberByKey, key))
}

const bumpSQL = `INSERT INTO daily_counts (day, event, n) VALUES (?, ?, 1)
	ON CONFLICT (day, event) DO UPDATE SET n = daily_counts.n + 1`

// bump adds one to today's counter of event, for the stats endpoint.
func bump(ctx context.Context, tx sqlTx, now time.Time, event string) error {
	_, err := tx.ExecContext(ctx, bumpSQL, now.UTC().Format(time.DateOnly), event)
	if err != nil {
		return fmt.Errorf("count %s: %w", event, err)
	}
	return nil
}
