package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Session is an editor signed in to the desk.
type Session struct {
	Editor    Editor
	CSRF      string // the token every form of the session must carry
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionPolicy is how long a session lasts: Idle without a request, and
// Lifetime at most whatever happens.
type SessionPolicy struct {
	Idle     time.Duration
	Lifetime time.Duration
}

// ErrNoSession is a session cookie that names no live session: unknown,
// expired, signed out, or of a removed editor.
var ErrNoSession = errors.New("no such session")

// sessionKey is how a session's token is kept: its SHA-256, so that a copy of
// the table signs no one in.
func sessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession signs editorID in: it ends the session of oldToken, if the
// browser presented one (a session id never survives a sign-in, against session
// fixation), and starts a new one. The token goes in the cookie; only its hash is stored.
func (s *Store) StartSession(ctx context.Context, editorID int64, oldToken string, p SessionPolicy) (token string, sess Session, err error) {
	token, csrf := rand.Text()+rand.Text(), rand.Text()
	err = s.write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if oldToken != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM editor_sessions WHERE id_hash = ?`, sessionKey(oldToken)); err != nil {
				return err
			}
		}
		// Expired sessions go now and then: at each sign-in.
		if _, err := tx.ExecContext(ctx, `DELETE FROM editor_sessions WHERE expires_at <= ?`, now.UnixMilli()); err != nil {
			return err
		}
		sess = Session{CSRF: csrf, CreatedAt: ms(now.UnixMilli()), ExpiresAt: ms(now.Add(p.Lifetime).UnixMilli())}
		if _, err := tx.ExecContext(ctx, `INSERT INTO editor_sessions (id_hash, editor_id, csrf, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, sessionKey(token), editorID, csrf, now.UnixMilli(), now.UnixMilli(), sess.ExpiresAt.UnixMilli()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE editors SET last_login_at = ? WHERE id = ?`, now.UnixMilli(), editorID); err != nil {
			return err
		}
		sess.Editor, err = editorTx(ctx, tx, editorID)
		return err
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("start session: %w", err)
	}
	return token, sess, nil
}

func editorTx(ctx context.Context, tx sqlTx, id int64) (Editor, error) {
	var ed Editor
	var created int64
	var last sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, email, created_at, last_login_at FROM editors WHERE id = ?`, id).
		Scan(&ed.ID, &ed.Email, &created, &last)
	ed.CreatedAt, ed.LastLoginAt = ms(created), msPtr(last)
	return ed, err
}

// Session returns the live session of token, or ErrNoSession. A session idle
// for longer than p.Idle, or older than its lifetime, is over. Its last-seen
// time moves at most once a minute, to spare the writer a write per page.
func (s *Store) Session(ctx context.Context, token string, p SessionPolicy) (Session, error) {
	if token == "" {
		return Session{}, ErrNoSession
	}
	var sess Session
	var created, started, seen, expires int64
	err := s.r.QueryRowContext(ctx, `SELECT e.id, e.email, e.created_at, s.csrf, s.created_at, s.last_seen_at, s.expires_at
		FROM editor_sessions s JOIN editors e ON e.id = s.editor_id WHERE s.id_hash = ?`, sessionKey(token)).
		Scan(&sess.Editor.ID, &sess.Editor.Email, &created, &sess.CSRF, &started, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	now := s.nowMS()
	if now >= expires || now >= seen+p.Idle.Milliseconds() {
		return Session{}, ErrNoSession
	}
	sess.Editor.CreatedAt, sess.CreatedAt, sess.ExpiresAt = ms(created), ms(started), ms(expires)
	if now-seen > time.Minute.Milliseconds() {
		err := s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE editor_sessions SET last_seen_at = ? WHERE id_hash = ?`, now, sessionKey(token))
			return err
		})
		if err != nil {
			return Session{}, fmt.Errorf("session: %w", err)
		}
	}
	return sess, nil
}

// EndSession signs the session of token out.
func (s *Store) EndSession(ctx context.Context, token string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM editor_sessions WHERE id_hash = ?`, sessionKey(token))
		return err
	})
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// SigninFailures counts the failed sign-ins of each key over the last window.
func (s *Store) SigninFailures(ctx context.Context, window time.Duration, keys ...string) (map[string]int, error) {
	out := make(map[string]int, len(keys))
	since := s.now().Add(-window)
	for _, k := range keys {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM signin_failures WHERE key = ? AND at >= ?`,
			k, since.UnixMilli()).Scan(&n); err != nil {
			return nil, fmt.Errorf("count sign-in failures: %w", err)
		}
		out[k] = n
	}
	return out, nil
}

// RecordSigninFailure counts one failed sign-in against each key, and forgets
// failures older than keep.
func (s *Store) RecordSigninFailure(ctx context.Context, keep time.Duration, keys ...string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM signin_failures WHERE at < ?`, now.Add(-keep).UnixMilli()); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO signin_failures (key, at) VALUES (?, ?)`, k, now.UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	return nil
}

// ClearSigninFailures forgets the failures of key (an account, after it signs in).
func (s *Store) ClearSigninFailures(ctx context.Context, key string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM signin_failures WHERE key = ?`, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear sign-in failures: %w", err)
	}
	return nil
}
