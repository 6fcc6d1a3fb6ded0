package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Channels record how someone left; /metrics counts unsubscribes by channel.
const (
	ChannelLink      = "link"              // the button on the unsubscribe page
	ChannelOneClick  = "one-click"         // RFC 8058 POST from a mail client
	ChannelAdmin     = "admin"             // admin API or command line, for requests by phone or letter
	ChannelBounce    = "bounce"            // hard bounce, or too many soft ones
	ChannelComplaint = "complaint"         // the reader marked a mail as spam
	ChannelReconsent = "reconsent-expired" // no answer to the re-consent mail
)

// Unsubscribe stops all mail to subscriber id at once and records the channel.
// Leaving twice is fine: the second call changes nothing and reports changed false.
// An id with no row (an erased person) is ErrNotFound.
func (s *Store) Unsubscribe(ctx context.Context, id int64, channel string) (sub Subscriber, changed bool, err error) {
	now := s.now()
	err = s.write(ctx, func(tx *sql.Tx) error {
		if changed, err = s.leave(ctx, tx, now, id, StatusUnsubscribed, channel); err != nil {
			return err
		}
		sub, err = scanSubscriber(tx.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Subscriber{}, false, fmt.Errorf("unsubscribe %d: %w", id, err)
	}
	return sub, changed, nil
}

// UnsubscribeEmail unsubscribes the address at once (the admin endpoint). An
// address that is not on the list is put on the suppression list instead, so
// that nothing is ever sent to it; found tells which happened.
func (s *Store) UnsubscribeEmail(ctx context.Context, email, channel string) (found bool, err error) {
	key := EmailKey(email)
	now := s.now()
	err = s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM subscribers WHERE email_key = ?`, key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return s.suppress(ctx, tx, key, "unsubscribed-unknown", 0)
		}
		if err != nil {
			return err
		}
		found = true
		_, err = s.leave(ctx, tx, now, id, StatusUnsubscribed, channel)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("unsubscribe by address: %w", err)
	}
	return found, nil
}

// leave moves a pending or active subscriber to status (unsubscribed or bounced),
// drops the mail still queued for them, records the departure in their history
// and counts it by channel. An unsubscribe also suppresses the address, so that
// only the reader's own confirmation of a new signup brings them back; the
// callers of a bounce suppress it with the bounce's reason.
func (s *Store) leave(ctx context.Context, tx *sql.Tx, now time.Time, id int64, status, channel string) (bool, error) {
	var key string
	err := tx.QueryRowContext(ctx, `UPDATE subscribers SET status = ?, unsubscribed_at = ?, unsubscribe_channel = ?,
		updated_at = ? WHERE id = ? AND status IN ('pending', 'active') RETURNING email_key`,
		status, now.UnixMilli(), channel, now.UnixMilli(), id).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("leave: %w", err)
	}
	if status == StatusUnsubscribed {
		if err := s.suppress(ctx, tx, key, "unsubscribed-"+channel, id); err != nil {
			return false, err
		}
	}
	if err := recordEvent(ctx, tx, id, departure(now, status, channel)); err != nil {
		return false, err
	}
	if err := dropQueuedMail(ctx, tx, id); err != nil {
		return false, err
	}
	if err := bump(ctx, tx, now, "unsubscribe"); err != nil {
		return false, err
	}
	return true, bump(ctx, tx, now, "unsubscribe."+channel)
}

// departure is the history's line for a subscriber leaving by channel.
func departure(now time.Time, status, channel string) ConsentEvent {
	ev := ConsentEvent{Event: EventUnsubscribe, At: now, Channel: channel}
	switch {
	case status == StatusBounced && channel == ChannelComplaint:
		ev.Event = EventComplaint
	case status == StatusBounced:
		ev.Event = EventBounce
	}
	return ev
}

// dropQueuedMail deletes the one-off mails still waiting for a subscriber who
// left: they were never sent, so they are neither failures nor history.
func dropQueuedMail(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE subscriber_id = ? AND status = 'queued'`, id)
	if err != nil {
		return fmt.Errorf("drop queued mail: %w", err)
	}
	return nil
}

// Resubscribe brings back a subscriber who left, from a signed link they were
// mailed: holding it proves the mailbox is theirs, so it counts as their own
// confirmation, and the suppression their departure left is lifted. The
// consent record is renewed with how they came back, and the history gains a
// resubscribe. A bounced address is ErrConflict; an active one is left as is.
func (s *Store) Resubscribe(ctx context.Context, id int64, consent Consent) (Subscriber, error) {
	now := s.now()
	t := now.UnixMilli()
	var sub Subscriber
	err := s.write(ctx, func(tx *sql.Tx) error {
		cur, err := scanSubscriber(tx.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`+
			s.forUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		sub = cur
		switch cur.Status {
		case StatusActive:
			return nil
		case StatusBounced:
			return fmt.Errorf("subscriber bounced: %w", ErrConflict)
		}
		if err := s.lift(ctx, tx, EmailKey(cur.Email), "resubscribed by the reader"); err != nil {
			return err
		}
		if err := recordEvent(ctx, tx, id, eventOf(EventResubscribe, now, consent)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'active', unsubscribed_at = NULL,
			unsubscribe_channel = '', confirmed_at = COALESCE(confirmed_at, ?), digest_since = ?, updated_at = ?,
			last_activity_at = ?, reconsent_sent_at = NULL, consent_at = ?, consent_method = ?, consent_source = ?,
			consent_text = ?, consent_ip = ?, consent_agent = ? WHERE id = ?`, t, t, t, t, t, consent.Method,
			consent.Source, consent.TextVersion, consent.IP, consent.UserAgent, id)
		if err != nil {
			return err
		}
		if err := bump(ctx, tx, now, "resubscribe"); err != nil {
			return err
		}
		sub, err = scanSubscriber(tx.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, id))
		return err
	})
	if err != nil {
		return Subscriber{}, fmt.Errorf("resubscribe %d: %w", id, err)
	}
	return sub, nil
}
