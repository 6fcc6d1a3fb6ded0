package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Preferences are the choices a subscriber can change from the link in every mail.
type Preferences struct {
	Countries []string // empty means all
	Frequency string
	Locale    string
	By        Consent // the request that saved them, for the consent history (channel, IP)
}

// UpdatePreferences stores new choices for subscriber id. Saving them counts as
// confirmed activity: it answers a re-consent mail and restarts its clock. It
// does not change the status: someone who left stays unsubscribed.
func (s *Store) UpdatePreferences(ctx context.Context, id int64, p Preferences) (Subscriber, error) {
	if err := CheckChoices(p.Frequency, p.Locale); err != nil {
		return Subscriber{}, fmt.Errorf("update preferences %d: %w", id, err)
	}
	countries, err := NormalizeCountries(p.Countries)
	if err != nil {
		return Subscriber{}, fmt.Errorf("update preferences %d: %w", id, err)
	}
	t := s.nowMS()
	var sub Subscriber
	err = s.write(ctx, func(tx *sql.Tx) error {
		var asked sql.NullInt64 // a re-consent mail waits for this answer
		err := tx.QueryRowContext(ctx, `SELECT reconsent_sent_at FROM subscribers WHERE id = ?`+s.forUpdate(), id).Scan(&asked)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subscribers SET countries = ?, frequency = ?, locale = ?, updated_at = ?,
			last_activity_at = ?, reconsent_sent_at = NULL WHERE id = ?`, joinCodes(countries), p.Frequency, p.Locale, t, t, id); err != nil {
			return err
		}
		ev := eventOf(EventPreferences, ms(t), p.By)
		if asked.Valid {
			ev.Event = EventReconsent
		}
		if ev.Channel == "" {
			ev.Channel = "link"
		}
		if err := recordEvent(ctx, tx, id, ev); err != nil {
			return err
		}
		sub, err = scanSubscriber(tx.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Subscriber{}, fmt.Errorf("update preferences %d: %w", id, err)
	}
	return sub, nil
}
