package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MaxConfirmMailsPerDay caps the confirmation mails one address can be sent in a
// day, however often someone submits it: signing up again must not flood anyone.
const MaxConfirmMailsPerDay = 3

// Signup is what the form (or the API) asks for.
type Signup struct {
	Email     string // normalized
	Countries []string
	Frequency string
	Locale    string
	Consent   Consent
}

// SignupResult tells the caller what happened. It is for logs and tests only:
// the visitor sees the same answer whatever it says.
type SignupResult struct {
	SubscriberID int64
	Created      bool // a new pending subscriber
	MailQueued   bool // a confirmation mail was queued
}

// Subscribe records a signup and queues its confirmation mail, in one transaction.
// A suppressed, bounced or already active address changes nothing; a pending or
// unsubscribed one takes the new choices and gets a new confirmation mail, at most
// MaxConfirmMailsPerDay a day.
func (s *Store) Subscribe(ctx context.Context, in Signup) (SignupResult, error) {
	if err := CheckChoices(in.Frequency, in.Locale); err != nil {
		return SignupResult{}, err
	}
	res, err := s.batchSignup(ctx, in)
	if err != nil {
		return SignupResult{}, fmt.Errorf("subscribe: %w", err)
	}
	return res, nil
}

// subscribeTx is Subscribe's work inside a transaction. With signups not nil,
// the day's signup counter is left to the caller, who adds *signups at the end
// of a batch: on PostgreSQL the counter's row stays locked from its update to
// the commit, and batches written side by side would queue behind it.
func (s *Store) subscribeTx(ctx context.Context, tx sqlTx, now time.Time, in Signup, signups *int) (SignupResult, error) {
	var res SignupResult
	key := EmailKey(in.Email)
	suppressed, err := s.isSuppressed(ctx, tx, key)
	if err != nil || suppressed {
		return res, err
	}
	cur, err := subscriberTx(ctx, tx, key)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res.SubscriberID, err = insertPending(ctx, tx, now, in)
		if err != nil {
			return res, err
		}
		res.Created = true
	case err != nil:
		return res, err
	case cur.Status == StatusActive || cur.Status == StatusBounced:
		res.SubscriberID = cur.ID
		return res, nil
	default:
		res.SubscriberID = cur.ID
		renewed, err := repend(ctx, tx, now, cur.ID, in)
		if err != nil || !renewed {
			return res, err // not renewed: confirmed or bounced meanwhile, by another process
		}
	}
	if signups != nil {
		*signups++
	} else if err := bump(ctx, tx, now, "signup"); err != nil {
		return res, err
	}
	res.MailQueued, err = queueConfirm(ctx, tx, now, res.SubscriberID)
	return res, err
}

const insertPendingSQL = `INSERT INTO subscribers (email, email_key, status, countries, frequency, locale,
	created_at, updated_at, consent_at, consent_method, consent_source, consent_text, consent_ip, consent_agent,
	last_activity_at) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func insertPending(ctx context.Context, tx sqlTx, now time.Time, in Signup) (int64, error) {
	t := now.UnixMilli()
	var id int64
	err := tx.QueryRowContext(ctx, insertPendingSQL,
		in.Email, EmailKey(in.Email), joinCodes(in.Countries), in.Frequency, in.Locale, t, t, t,
		in.Consent.Method, in.Consent.Source, in.Consent.TextVersion, in.Consent.IP, in.Consent.UserAgent, t).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert subscriber: %w", err)
	}
	return id, nil
}

// repend puts a pending or unsubscribed subscriber back to pending with the new
// choices and consent. The status guard matters on PostgreSQL, where another
// process may confirm or bounce them between the read and this write: then
// nothing changes and renewed is false.
func repend(ctx context.Context, tx sqlTx, now time.Time, id int64, in Signup) (renewed bool, err error) {
	t := now.UnixMilli()
	res, err := tx.ExecContext(ctx, `UPDATE subscribers SET status = 'pending', countries = ?, frequency = ?, locale = ?,
		updated_at = ?, consent_at = ?, consent_method = ?, consent_source = ?, consent_text = ?, consent_ip = ?,
		consent_agent = ?, confirmed_at = NULL WHERE id = ? AND status IN ('pending', 'unsubscribed')`,
		joinCodes(in.Countries), in.Frequency, in.Locale, t, t, in.Consent.Method, in.Consent.Source,
		in.Consent.TextVersion, in.Consent.IP, in.Consent.UserAgent, id)
	if err != nil {
		return false, fmt.Errorf("renew pending subscriber: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// queueConfirm queues a confirmation mail unless the address had its share today.
const queueConfirmSQL = `UPDATE subscribers SET
	confirm_sends = CASE WHEN confirm_day = ? THEN confirm_sends + 1 ELSE 1 END, confirm_day = ?
	WHERE id = ? AND (confirm_day <> ? OR confirm_sends < ?)`

func queueConfirm(ctx context.Context, tx sqlTx, now time.Time, id int64) (bool, error) {
	day := now.Unix() / 86400
	res, err := tx.ExecContext(ctx, queueConfirmSQL, day, day, id, day, MaxConfirmMailsPerDay)
	if err != nil {
		return false, fmt.Errorf("count confirmation mails: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, queueMail(ctx, tx, now, MailConfirm, id)
}

// Confirm activates a pending subscriber: from now on, new articles are theirs,
// and a welcome mail is queued.
// Confirming an active subscriber again changes nothing; a subscriber who left
// since gets ErrConflict, because an old link must not undo an unsubscribe.
func (s *Store) Confirm(ctx context.Context, id int64) (Subscriber, error) {
	now := s.now()
	var sub Subscriber
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE subscribers SET status = 'active', confirmed_at = ?, digest_since = ?,
			updated_at = ?, last_activity_at = ? WHERE id = ? AND status = 'pending'`,
			now.UnixMilli(), now.UnixMilli(), now.UnixMilli(), now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if err := bump(ctx, tx, now, "confirm"); err != nil {
				return err
			}
			if err := queueMail(ctx, tx, now, MailWelcome, id); err != nil {
				return err
			}
		}
		sub, err = scanSubscriber(tx.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
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

// ResendConfirmation queues a new confirmation mail for a pending subscriber whose link expired.
func (s *Store) ResendConfirmation(ctx context.Context, id int64) (bool, error) {
	var queued bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM subscribers WHERE id = ?`+s.forUpdate(), id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || status != StatusPending {
			return err
		}
		queued, err = queueConfirm(ctx, tx, s.now(), id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("resend confirmation %d: %w", id, err)
	}
	return queued, nil
}

// PurgePending deletes sign-ups left unconfirmed for longer than age.
func (s *Store) PurgePending(ctx context.Context, age time.Duration) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM subscribers WHERE status = 'pending' AND updated_at < ?`,
			s.now().Add(-age).UnixMilli())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge pending: %w", err)
	}
	return n, nil
}
