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

// suppressionSaltKey names the setting that salts suppression hashes, so that
// the list cannot be checked against a list of known addresses elsewhere.
const suppressionSaltKey = "suppression_salt"

func (s *Store) suppressionHash(ctx context.Context, tx sqlTx, key string) (string, error) {
	if s.salt != "" { // Open makes the salt; reading it once spares a query per signup
		return saltedHash(s.salt, key), nil
	}
	salt, err := suppressionSalt(ctx, tx)
	if err != nil {
		return "", err
	}
	return saltedHash(salt, key), nil
}

// suppressionSalt returns the salt, creating it on first use.
func suppressionSalt(ctx context.Context, tx sqlTx) (string, error) {
	var salt string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, suppressionSaltKey).Scan(&salt)
	if err == sql.ErrNoRows {
		// Another process may store one meanwhile: its salt, read back, wins.
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			suppressionSaltKey, rand.Text())
		if err == nil {
			err = tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, suppressionSaltKey).Scan(&salt)
		}
	}
	if err != nil {
		return "", fmt.Errorf("suppression salt: %w", err)
	}
	return salt, nil
}

// saltedHash is the suppression list's form of an address key.
func saltedHash(salt, key string) string {
	sum := sha256.Sum256([]byte(salt + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

const selectSuppressed = `SELECT count(*) FROM suppressions WHERE hash = ? AND lifted_at IS NULL`

func (s *Store) isSuppressed(ctx context.Context, tx sqlTx, key string) (bool, error) {
	h, err := s.suppressionHash(ctx, tx, key)
	if err != nil {
		return false, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, selectSuppressed, h).Scan(&n); err != nil {
		return false, fmt.Errorf("check suppression: %w", err)
	}
	return n > 0, nil
}

// suppress adds the address with key to the suppression list, for reason;
// subscriberID names who it is while they are still on the list (0: nobody,
// or erased). Suppressing an address again keeps its first date but takes the
// latest reason; one that was lifted is suppressed anew.
func (s *Store) suppress(ctx context.Context, tx *sql.Tx, key, reason string, subscriberID int64) error {
	h, err := s.suppressionHash(ctx, tx, key)
	if err != nil {
		return err
	}
	who := sql.NullInt64{Int64: subscriberID, Valid: subscriberID != 0}
	_, err = tx.ExecContext(ctx, `INSERT INTO suppressions (hash, reason, created_at, subscriber_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET reason = excluded.reason, subscriber_id = excluded.subscriber_id,
			created_at = CASE WHEN suppressions.lifted_at IS NULL THEN suppressions.created_at ELSE excluded.created_at END,
			lifted_at = NULL, lift_reason = ''`, h, reason, s.nowMS(), who)
	if err != nil {
		return fmt.Errorf("suppress: %w", err)
	}
	return nil
}

// lift lifts the suppression of the address with key, if any, recording why.
func (s *Store) lift(ctx context.Context, tx *sql.Tx, key, reason string) error {
	if _, err := s.liftHash(ctx, tx, key, reason); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// liftHash lifts the suppression in force of the address with key and returns
// it as it was; sql.ErrNoRows when there is none.
func (s *Store) liftHash(ctx context.Context, tx *sql.Tx, key, reason string) (Suppression, error) {
	h, err := s.suppressionHash(ctx, tx, key)
	if err != nil {
		return Suppression{}, err
	}
	sup, err := scanSuppression(tx.QueryRowContext(ctx, `UPDATE suppressions SET lifted_at = ?, lift_reason = ?
		WHERE hash = ? AND lifted_at IS NULL RETURNING `+suppressionColumns, s.nowMS(), clipText(reason, 500), h))
	if err != nil && err != sql.ErrNoRows {
		return Suppression{}, fmt.Errorf("lift suppression: %w", err)
	}
	return sup, err
}

// IsSuppressed tells whether the normalized address may never be mailed again.
func (s *Store) IsSuppressed(ctx context.Context, email string) (bool, error) {
	var out bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.isSuppressed(ctx, tx, EmailKey(email))
		return err
	})
	return out, err
}

// Suppression is one entry of the suppression list. The address is known
// only while its subscriber is still on the list (unsubscribed, bounced);
// erased and never-subscribed addresses are only a hash.
type Suppression struct {
	Hash         string    `json:"hash"`
	Reason       string    `json:"reason"` // erased, bounce-hard, bounce-soft, bounce-complaint, unsubscribed-CHANNEL, ...
	At           time.Time `json:"at"`
	SubscriberID int64     `json:"subscriber_id,omitempty"`
	Email        string    `json:"email,omitempty"`
	Status       string    `json:"status,omitempty"` // of the subscriber, when known
	LiftedAt     time.Time `json:"lifted_at,omitzero"`
	LiftReason   string    `json:"lift_reason,omitempty"`
}

const suppressionColumns = `hash, reason, created_at, COALESCE(subscriber_id, 0), lifted_at, lift_reason`

func scanSuppression(row scanner) (Suppression, error) {
	var p Suppression
	var at int64
	var lifted sql.NullInt64
	err := row.Scan(&p.Hash, &p.Reason, &at, &p.SubscriberID, &lifted, &p.LiftReason)
	p.At, p.LiftedAt = ms(at), msPtr(lifted)
	return p, err
}
