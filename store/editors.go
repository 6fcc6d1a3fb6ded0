package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Editor is an account of the editors' desk.
type Editor struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	CreatedAt   time.Time `json:"created_at"`
	LastLoginAt time.Time `json:"last_login_at,omitzero"`
}

// MinPasswordLength is the shortest password an editor account accepts.
const MinPasswordLength = 12

// ErrPasswordShort refuses a password under MinPasswordLength characters.
var ErrPasswordShort = fmt.Errorf("%w: the password must have at least %d characters", ErrInvalid, MinPasswordLength)

// The argon2id parameters: OWASP's recommended minimum (19 MiB, two passes, one lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword hashes password with argon2id and a random salt, in the PHC
// string format ($argon2id$v=19$m=...,t=...,p=...$salt$key), so that the
// parameters can change later without locking anyone out.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLength {
		return "", ErrPasswordShort
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword tells whether password matches hash, made by HashPassword.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when no account has the address, so that a
// sign-in takes as long for an unknown address as for a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("no such editor, no such password")
	return h
})

// AddEditor creates the account of email with the password's hash. An address
// that has an account already is ErrConflict.
func (s *Store) AddEditor(ctx context.Context, email, passwordHash string) (Editor, error) {
	ed := Editor{Email: email, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO editors (email, email_key, password_hash, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (email_key) DO NOTHING`, email, EmailKey(email), passwordHash, ed.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s has an account already: %w", email, ErrConflict)
		}
		return tx.QueryRowContext(ctx, `SELECT id FROM editors WHERE email_key = ?`, EmailKey(email)).Scan(&ed.ID)
	})
	if err != nil {
		return Editor{}, fmt.Errorf("add editor: %w", err)
	}
	return ed, nil
}

// Editors lists the accounts, by address.
func (s *Store) Editors(ctx context.Context) ([]Editor, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, email, created_at, last_login_at FROM editors ORDER BY email_key`)
	if err != nil {
		return nil, fmt.Errorf("list editors: %w", err)
	}
	defer rows.Close()
	out := []Editor{}
	for rows.Next() {
		var ed Editor
		var created int64
		var last sql.NullInt64
		if err := rows.Scan(&ed.ID, &ed.Email, &created, &last); err != nil {
			return nil, fmt.Errorf("list editors: %w", err)
		}
		ed.CreatedAt, ed.LastLoginAt = ms(created), msPtr(last)
		out = append(out, ed)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list editors: %w", err)
	}
	return out, nil
}

// RemoveEditor deletes the account of email and, with it, its sessions. No
// such account is ErrNotFound.
func (s *Store) RemoveEditor(ctx context.Context, email string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM editors WHERE email_key = ?`, EmailKey(email))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("no editor has the address %s: %w", email, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove editor: %w", err)
	}
	return nil
}

// ErrBadSignIn is a sign-in refused: unknown address or wrong password, alike.
var ErrBadSignIn = errors.New("wrong address or password")

// Authenticate returns the editor whose address and password these are, or
// ErrBadSignIn. It spends the same work whether the address exists or not.
func (s *Store) Authenticate(ctx context.Context, email, password string) (Editor, error) {
	var ed Editor
	var hash string
	var created int64
	var last sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT id, email, password_hash, created_at, last_login_at FROM editors
		WHERE email_key = ?`, EmailKey(email)).Scan(&ed.ID, &ed.Email, &hash, &created, &last)
	if errors.Is(err, sql.ErrNoRows) {
		CheckPassword(dummyHash(), password)
		return Editor{}, ErrBadSignIn
	}
	if err != nil {
		return Editor{}, fmt.Errorf("authenticate: %w", err)
	}
	if !CheckPassword(hash, password) {
		return Editor{}, ErrBadSignIn
	}
	ed.CreatedAt, ed.LastLoginAt = ms(created), msPtr(last)
	return ed, nil
}
