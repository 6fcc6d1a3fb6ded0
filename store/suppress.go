package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
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

const selectSuppressed = `SELECT count(*) FROM suppressions WHERE hash = ?`

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

// suppress adds the address with key to the suppression list; adding it twice is fine.
func (s *Store) suppress(ctx context.Context, tx *sql.Tx, key, reason string) error {
	h, err := s.suppressionHash(ctx, tx, key)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO suppressions (hash, reason, created_at) VALUES (?, ?, ?)
		ON CONFLICT (hash) DO NOTHING`, h, reason, s.nowMS())
	if err != nil {
		return fmt.Errorf("suppress: %w", err)
	}
	return nil
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
