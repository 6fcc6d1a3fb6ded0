package store

import (
	"context"
	"fmt"
	"time"
)

// Deliverability is what mailbox providers judge a sender by, over a period:
// the mail it sent, the hard bounces and the spam complaints it got back.
type Deliverability struct {
	Since      time.Time
	Sent       int64 // digests and one-off mails accepted by the relay
	Bounces    int64 // hard bounces
	Complaints int64
}

// BounceRate is hard bounces per message sent (0 when nothing was sent).
func (d Deliverability) BounceRate() float64 { return ratio(d.Bounces, d.Sent) }

// ComplaintRate is complaints per message sent (0 when nothing was sent).
func (d Deliverability) ComplaintRate() float64 { return ratio(d.Complaints, d.Sent) }

func ratio(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Deliverability counts what was sent and reported back since since.
func (s *Store) Deliverability(ctx context.Context, since time.Time) (Deliverability, error) {
	d := Deliverability{Since: since}
	var digests, mails int64
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(sent), 0) FROM digest_runs WHERE started_at >= ?`,
		since.UnixMilli()).Scan(&digests)
	if err == nil {
		err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE status = 'sent' AND sent_at >= ?`,
			since.UnixMilli()).Scan(&mails)
	}
	if err == nil {
		err = s.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN event = 'bounce.hard' THEN n ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN event = 'bounce.complaint' THEN n ELSE 0 END), 0)
			FROM daily_counts WHERE day >= ?`, since.UTC().Format(time.DateOnly)).Scan(&d.Bounces, &d.Complaints)
	}
	if err != nil {
		return Deliverability{}, fmt.Errorf("deliverability: %w", err)
	}
	d.Sent = digests + mails
	return d, nil
}

// ByLocale counts the active subscribers of each language.
func (s *Store) ByLocale(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, l := range Locales {
		out[l] = 0
	}
	if err := s.groupCount(ctx, `SELECT locale, count(*) FROM subscribers WHERE status = 'active' GROUP BY locale`, out); err != nil {
		return nil, fmt.Errorf("count by language: %w", err)
	}
	return out, nil
}
