package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// MaxConfirmMailsPerDay caps the confirmation mails one mailbox can be sent in
// a day, however often someone submits it, under whatever spellings and tags
// ("ana+1@", "Ana+2@" reach one mailbox): signing up must not flood anyone.
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
	SignupID     int64 // the signup its confirmation link names; 0 when nothing was asked
	Created      bool  // a new pending subscriber
	MailQueued   bool  // a confirmation mail was queued
}

// Subscribe records a signup and queues its confirmation mail, to the spelling
// just typed, in one transaction. The signup never changes the subscriber the
// address names, whatever their status: their choices, spelling and status
// change only when this signup's own link is confirmed (ConfirmSignup), so
// that no one else can undo an unsubscribe or take an address over. An
// address unknown or erased gets a pending subscriber. An active subscriber
// asking again for what they have is left alone, without a mail. Mails are
// capped at MaxConfirmMailsPerDay a day per base mailbox.
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
	cur, err := subscriberTx(ctx, tx, EmailKey(in.Email))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res.SubscriberID, err = insertPending(ctx, tx, now, in)
		if err != nil {
			return res, err
		}
		res.Created = true
	case err != nil:
		return res, err
	case cur.Status == StatusActive && cur.Email == in.Email && cur.Frequency == in.Frequency &&
		cur.Locale == in.Locale && slices.Equal(cur.Countries, in.Countries):
		res.SubscriberID = cur.ID
		return res, nil // nothing to confirm
	default:
		res.SubscriberID = cur.ID
	}
	if res.SignupID, err = insertSignup(ctx, tx, now, res.SubscriberID, in); err != nil {
		return res, err
	}
	if err := recordEvent(ctx, tx, res.SubscriberID, eventOf(EventSignup, now, in.Consent)); err != nil {
		return res, err
	}
	if signups != nil {
		*signups++
	} else if err := bump(ctx, tx, now, "signup"); err != nil {
		return res, err
	}
	res.MailQueued, err = s.queueConfirm(ctx, tx, now, res.SubscriberID, res.SignupID, in.Email)
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

const insertSignupSQL = `INSERT INTO signups (subscriber_id, email, countries, frequency, locale, consent_method,
	consent_source, consent_text, consent_ip, consent_agent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

// insertSignup keeps a signup until its link is confirmed.
func insertSignup(ctx context.Context, tx sqlTx, now time.Time, subscriberID int64, in Signup) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, insertSignupSQL, subscriberID, in.Email, joinCodes(in.Countries), in.Frequency,
		in.Locale, in.Consent.Method, in.Consent.Source, in.Consent.TextVersion, in.Consent.IP, in.Consent.UserAgent,
		now.UnixMilli()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert signup: %w", err)
	}
	return id, nil
}

// countConfirmSQL counts a confirmation mail against the day's share of a base
// mailbox; it changes no row when the share is spent.
const countConfirmSQL = `INSERT INTO confirm_caps (base, day, sends) VALUES (?, ?, 1)
	ON CONFLICT (base) DO UPDATE SET sends = CASE WHEN confirm_caps.day = excluded.day THEN confirm_caps.sends + 1 ELSE 1 END,
		day = excluded.day
	WHERE confirm_caps.day <> excluded.day OR confirm_caps.sends < ?`

const queueSignupMailSQL = `INSERT INTO outbox (kind, subscriber_id, signup_id, status, next_attempt_at, created_at)
	VALUES (?, ?, ?, 'queued', ?, ?)`

// queueSignupMail queues a mail of kind (confirmation, reminder) about signup signupID.
func queueSignupMail(ctx context.Context, tx sqlTx, now time.Time, kind string, subscriberID, signupID int64) error {
	t := now.UnixMilli()
	if _, err := tx.ExecContext(ctx, queueSignupMailSQL, kind, subscriberID, signupID, t, t); err != nil {
		return fmt.Errorf("queue %s mail: %w", kind, err)
	}
	return nil
}

// queueConfirm queues the confirmation mail of signup signupID (0: the
// subscriber's own, for links made before signups were kept) to email, unless
// its base mailbox had its share today.
func (s *Store) queueConfirm(ctx context.Context, tx sqlTx, now time.Time, subscriberID, signupID int64, email string) (bool, error) {
	base, err := s.suppressionHash(ctx, tx, "base:"+BaseMailbox(email))
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, countConfirmSQL, base, now.Unix()/86400, MaxConfirmMailsPerDay)
	if err != nil {
		return false, fmt.Errorf("count confirmation mails: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if signupID == 0 {
		return true, queueMail(ctx, tx, now, MailConfirm, subscriberID)
	}
	return true, queueSignupMail(ctx, tx, now, MailConfirm, subscriberID, signupID)
}

// PendingSignup is a signup waiting for its confirmation: the spelling its mail
// goes to, and the choices its confirmation brings.
type PendingSignup struct {
	ID           int64
	SubscriberID int64
	Email        string
	Countries    []string
	Frequency    string
	Locale       string
	Consent      Consent
}

const signupColumns = `id, subscriber_id, email, countries, frequency, locale, consent_method, consent_source,
	consent_text, consent_ip, consent_agent, created_at`

func scanSignup(row scanner) (PendingSignup, error) {
	var p PendingSignup
	var countries string
	var at int64
	err := row.Scan(&p.ID, &p.SubscriberID, &p.Email, &countries, &p.Frequency, &p.Locale, &p.Consent.Method,
		&p.Consent.Source, &p.Consent.TextVersion, &p.Consent.IP, &p.Consent.UserAgent, &at)
	p.Countries, p.Consent.At = splitCodes(countries), ms(at)
	return p, err
}

// Signup returns the pending signup id, or ErrNotFound once it is confirmed or purged.
func (s *Store) Signup(ctx context.Context, id int64) (PendingSignup, error) {
	p, err := scanSignup(s.r.QueryRowContext(ctx, `SELECT `+signupColumns+` FROM signups WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return PendingSignup{}, fmt.Errorf("signup %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return PendingSignup{}, fmt.Errorf("signup %d: %w", id, err)
	}
	return p, nil
}

// ResendSignup queues a new confirmation mail for a signup whose link expired.
func (s *Store) ResendSignup(ctx context.Context, id int64) (bool, error) {
	var queued bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		p, err := scanSignup(tx.QueryRowContext(ctx, `SELECT `+signupColumns+` FROM signups WHERE id = ?`+s.forUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		queued, err = s.queueConfirm(ctx, tx, s.now(), p.SubscriberID, p.ID, p.Email)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("resend confirmation of signup %d: %w", id, err)
	}
	return queued, nil
}

// ResendConfirmation queues a new confirmation mail for a pending subscriber
// whose link, made before signups were kept, expired.
func (s *Store) ResendConfirmation(ctx context.Context, id int64) (bool, error) {
	var queued bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var status, email string
		err := tx.QueryRowContext(ctx, `SELECT status, email FROM subscribers WHERE id = ?`+s.forUpdate(), id).Scan(&status, &email)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || status != StatusPending {
			return err
		}
		queued, err = s.queueConfirm(ctx, tx, s.now(), id, 0, email)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("resend confirmation %d: %w", id, err)
	}
	return queued, nil
}

// PurgePending deletes signups left unconfirmed for longer than age, and the
// pending subscribers left with none; the day counts of confirmation mails
// older than yesterday go too.
func (s *Store) PurgePending(ctx context.Context, age time.Duration) (int64, error) {
	var n int64
	now := s.now()
	cutoff := now.Add(-age).UnixMilli()
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM signups WHERE created_at < ?`, cutoff); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM subscribers WHERE status = 'pending' AND updated_at < ?
			AND NOT EXISTS (SELECT 1 FROM signups WHERE signups.subscriber_id = subscribers.id)`, cutoff)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM confirm_caps WHERE day < ?`, now.Unix()/86400-1)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge pending: %w", err)
	}
	return n, nil
}
