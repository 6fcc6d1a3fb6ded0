package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ConfirmSignup confirms signup id: the reader clicked the link mailed to the
// spelling they typed, which proves the mailbox theirs. Their subscriber takes
// that spelling and the signup's choices and consent, becomes active (a
// welcome mail is queued when they were not), and any suppression of the
// address is lifted: this is the one way back after a departure. The signup
// and those made before it are spent. by is the confirming request, for the
// history. A spent or purged signup is ErrNotFound.
func (s *Store) ConfirmSignup(ctx context.Context, id int64, by Consent) (Subscriber, error) {
	now := s.now()
	var sub Subscriber
	err := s.write(ctx, func(tx *sql.Tx) error {
		p, err := scanSignup(tx.QueryRowContext(ctx, `SELECT `+signupColumns+` FROM signups WHERE id = ?`+s.forUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var was string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM subscribers WHERE id = ?`+s.forUpdate(),
			p.SubscriberID).Scan(&was); err != nil {
			return err
		}
		t := now.UnixMilli()
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'active', email = ?, countries = ?, frequency = ?,
			locale = ?, confirmed_at = CASE WHEN status = 'active' THEN confirmed_at ELSE ? END,
			digest_since = CASE WHEN status = 'active' THEN digest_since ELSE ? END,
			unsubscribed_at = NULL, unsubscribe_channel = '', soft_bounces = 0, updated_at = ?, last_activity_at = ?,
			reconsent_sent_at = NULL, consent_at = ?, consent_method = ?, consent_source = ?, consent_text = ?,
			consent_ip = ?, consent_agent = ? WHERE id = ?`,
			p.Email, joinCodes(p.Countries), p.Frequency, p.Locale, t, t, t, t, p.Consent.At.UnixMilli(),
			p.Consent.Method, p.Consent.Source, p.Consent.TextVersion, p.Consent.IP, p.Consent.UserAgent, p.SubscriberID)
		if err != nil {
			return fmt.Errorf("activate: %w", err)
		}
		// The mails of the older signups that are still queued would ask for what is done.
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE status = 'queued' AND signup_id IN
			(SELECT id FROM signups WHERE subscriber_id = ? AND id < ?)`, p.SubscriberID, p.ID); err != nil {
			return fmt.Errorf("drop spent mails: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM signups WHERE subscriber_id = ? AND id <= ?`, p.SubscriberID, p.ID); err != nil {
			return fmt.Errorf("spend signups: %w", err)
		}
		ev := eventOf(EventConfirm, now, Consent{Method: by.Method, Source: p.Consent.Source,
			TextVersion: p.Consent.TextVersion, IP: by.IP})
		if err := s.activated(ctx, tx, now, p.SubscriberID, EmailKey(p.Email), was, ev); err != nil {
			return err
		}
		sub, err = scanSubscriber(tx.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, p.SubscriberID))
		return err
	})
	if err != nil {
		return Subscriber{}, fmt.Errorf("confirm signup %d: %w", id, err)
	}
	return sub, nil
}

// activated does what follows every confirmation: the history's line, the
// suppression lifted, and, for a reader who was not active, the count and the
// welcome mail.
func (s *Store) activated(ctx context.Context, tx *sql.Tx, now time.Time, id int64, key, was string, ev ConsentEvent) error {
	if err := recordEvent(ctx, tx, id, ev); err != nil {
		return err
	}
	if err := s.lift(ctx, tx, key, "confirmed by the reader"); err != nil {
		return err
	}
	if was == StatusActive {
		return nil
	}
	if err := bump(ctx, tx, now, "confirm"); err != nil {
		return err
	}
	return queueMail(ctx, tx, now, MailWelcome, id)
}

// Confirm activates pending subscriber id with the choices of their latest
// signup, for confirmation links that name the subscriber (those made before
// signups were kept, and reminders). Confirming an active subscriber again
// changes nothing; a subscriber who left since gets ErrConflict, because an
// old link must not undo an unsubscribe.
func (s *Store) Confirm(ctx context.Context, id int64) (Subscriber, error) {
	sub, err := s.Subscriber(ctx, id)
	if err != nil {
		return Subscriber{}, fmt.Errorf("confirm subscriber %d: %w", id, err)
	}
	switch sub.Status {
	case StatusActive:
		return sub, nil
	case StatusPending:
	default:
		return Subscriber{}, fmt.Errorf("confirm subscriber %d: subscriber is %s: %w", id, sub.Status, ErrConflict)
	}
	var latest int64
	err = s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM signups WHERE subscriber_id = ?`, id).Scan(&latest)
	if err != nil {
		return Subscriber{}, fmt.Errorf("confirm subscriber %d: %w", id, err)
	}
	if latest != 0 {
		sub, err = s.ConfirmSignup(ctx, latest, Consent{Method: "link"})
		if !errors.Is(err, ErrNotFound) {
			return sub, err
		}
	}
	return s.confirmInPlace(ctx, id)
}

// confirmInPlace activates a pending subscriber with the choices on their row.
func (s *Store) confirmInPlace(ctx context.Context, id int64) (Subscriber, error) {
	now := s.now()
	var sub Subscriber
	err := s.write(ctx, func(tx *sql.Tx) error {
		t := now.UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE subscribers SET status = 'active', confirmed_at = ?, digest_since = ?,
			updated_at = ?, last_activity_at = ? WHERE id = ? AND status = 'pending'`, t, t, t, t, id)
		if err != nil {
			return err
		}
		sub, err = scanSubscriber(tx.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			ev := eventOf(EventConfirm, now, Consent{Method: "link", Source: sub.Consent.Source, TextVersion: sub.Consent.TextVersion})
			return s.activated(ctx, tx, now, id, EmailKey(sub.Email), StatusPending, ev)
		}
		if sub.Status != StatusActive {
			return fmt.Errorf("subscriber is %s: %w", sub.Status, ErrConflict)
		}
		return nil
	})
	if err != nil {
		return Subscriber{}, fmt.Errorf("confirm subscriber %d: %w", id, err)
	}
	return sub, nil
}
