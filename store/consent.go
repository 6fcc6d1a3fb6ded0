package store

import (
	"context"
	"fmt"
	"time"
)

// Consent events: what the consent history records.
const (
	EventSignup      = "signup"
	EventConfirm     = "confirm"
	EventPreferences = "preferences"
	EventUnsubscribe = "unsubscribe"
	EventResubscribe = "resubscribe"
	EventImport      = "import"
	EventBounce      = "bounce"
	EventComplaint   = "complaint"
	EventReconsent   = "reconsent"
)

// ConsentEvent is one line of a subscriber's consent history: a signup, a
// confirmation, a change or a departure, with where it came from. The history
// is only ever added to, so it can serve as proof.
type ConsentEvent struct {
	Event       string    `json:"event"`
	At          time.Time `json:"at"`
	Channel     string    `json:"channel"`      // form, link, one-click, admin, import, bounce, complaint, ...
	Source      string    `json:"source"`       // the page or article of the form, the list imported, ...
	FormVersion string    `json:"form_version"` // of the form text shown, for signups
	IP          string    `json:"ip"`           // truncated: /24 or /48
}

// eventOf is the history's line for a consent given as c.
func eventOf(event string, at time.Time, c Consent) ConsentEvent {
	return ConsentEvent{Event: event, At: at, Channel: c.Method, Source: c.Source, FormVersion: c.TextVersion, IP: c.IP}
}

const insertEventSQL = `INSERT INTO consent_events (subscriber_id, event, at, channel, source, form_version, ip)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

// recordEvent adds e to the history of subscriber id. Every change of consent
// calls it inside the transaction that makes the change, so that the history
// and the change are written together or not at all: anything that must
// follow each change (a webhook, an audit line) belongs here.
func recordEvent(ctx context.Context, tx sqlTx, id int64, e ConsentEvent) error {
	_, err := tx.ExecContext(ctx, insertEventSQL, id, e.Event, e.At.UnixMilli(), e.Channel, clipText(e.Source, 500),
		e.FormVersion, e.IP)
	if err != nil {
		return fmt.Errorf("record %s event: %w", e.Event, err)
	}
	return queueWebhook(ctx, tx, id, e)
}

// ConsentHistory returns the consent history of subscriber id, oldest first;
// empty for an id with none.
func (s *Store) ConsentHistory(ctx context.Context, id int64) ([]ConsentEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT event, at, channel, source, form_version, ip FROM consent_events
		WHERE subscriber_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("consent history of %d: %w", id, err)
	}
	defer rows.Close()
	out := []ConsentEvent{}
	for rows.Next() {
		var e ConsentEvent
		var at int64
		if err := rows.Scan(&e.Event, &at, &e.Channel, &e.Source, &e.FormVersion, &e.IP); err != nil {
			return nil, fmt.Errorf("consent history of %d: %w", id, err)
		}
		e.At = ms(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("consent history of %d: %w", id, err)
	}
	return out, nil
}

// clipText cuts s to at most n bytes without splitting a character.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
