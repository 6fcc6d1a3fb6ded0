package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one line of the audit log: who did what to whom, and when.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Editor  string    `json:"editor"`  // the editor's address, or "cli"
	Action  string    `json:"action"`  // signin, unsubscribe, erase, ...
	Subject string    `json:"subject"` // whom: a reader's address (hashed once erased), an article, a run
	Detail  string    `json:"detail,omitempty"`
}

// erasedPrefix marks a subject that was an address before its owner was erased.
const erasedPrefix = "erased:"

// Audit records one action. A subject that is an address is kept with its
// key, so that the reader's page finds the line and erasure can hash it.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	key := ""
	if strings.Contains(e.Subject, "@") {
		key = EmailKey(e.Subject)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, editor, action, subject, subject_key, detail)
			VALUES (?, ?, ?, ?, ?, ?)`, s.nowMS(), e.Editor, e.Action, e.Subject, key, truncate(e.Detail, 1000))
		return err
	})
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditFilter selects audit lines; zero fields match all.
type AuditFilter struct {
	Subject string // a reader's address
	Before  int64  // the cursor: only ids below it
	Limit   int    // 1 to 500; 0 means 100
}

// AuditLog lists the lines f selects, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.Subject != "" {
		where, args = append(where, "subject_key = ?"), append(args, EmailKey(f.Subject))
	}
	if f.Before > 0 {
		where, args = append(where, "id < ?"), append(args, f.Before)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, editor, action, subject, detail FROM audit_log WHERE `+
		strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Editor, &e.Action, &e.Subject, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		e.At = ms(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}

// hashAudit replaces the address of key in the audit log with its salted
// hash, keeping the lines: erasure removes the person, not the record that
// an editor acted. The hash is the suppression list's, so the two agree.
func (s *Store) hashAudit(ctx context.Context, tx sqlTx, key string) error {
	h, err := s.suppressionHash(ctx, tx, key)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET subject = ?, subject_key = ? WHERE subject_key = ?`,
		erasedPrefix+h[:16], erasedPrefix+h, key); err != nil {
		return fmt.Errorf("hash audit lines: %w", err)
	}
	return nil
}
