package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// SeedSubscriber is one active subscriber for SeedSubscribers.
type SeedSubscriber struct {
	Email     string // normalized
	Countries []string
	Frequency string
	Locale    string
	Since     time.Time // confirmed then; their next digest starts there
}

// seedRowsPerInsert is how many subscribers one INSERT statement carries: 13
// parameters a row stays well under SQLite's 32,766 parameters a statement.
const seedRowsPerInsert = 500

const seedInsertHead = `INSERT INTO subscribers (email, email_key, status, countries, frequency, locale,
	created_at, updated_at, confirmed_at, digest_since, consent_at, consent_method, last_activity_at) VALUES `

// SeedSubscribers writes subs as active, confirmed subscribers, in one
// transaction of multi-row INSERTs. It is for benchmarks and load tests: it
// skips what a real signup does (suppression list, confirmation mail, daily
// counts) and fails on an address already on the list. Callers seeding a big
// list call it once per chunk of a few thousand, so that no more than a chunk
// is ever in memory.
func (s *Store) SeedSubscribers(ctx context.Context, subs []SeedSubscriber) error {
	if len(subs) == 0 {
		return nil
	}
	for _, sub := range subs {
		if err := CheckChoices(sub.Frequency, sub.Locale); err != nil {
			return fmt.Errorf("seed subscribers: %s: %w", sub.Email, err)
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var q strings.Builder
		args := make([]any, 0, 13*seedRowsPerInsert)
		for start := 0; start < len(subs); start += seedRowsPerInsert {
			chunk := subs[start:min(start+seedRowsPerInsert, len(subs))]
			q.Reset()
			q.WriteString(seedInsertHead)
			args = args[:0]
			for i, sub := range chunk {
				if i > 0 {
					q.WriteString(",")
				}
				q.WriteString("(?,?,'active',?,?,?,?,?,?,?,?,'import-confirmed',?)")
				t := sub.Since.UnixMilli()
				args = append(args, sub.Email, EmailKey(sub.Email), joinCodes(sub.Countries), sub.Frequency, sub.Locale,
					t, t, t, t, t, t)
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed %d subscribers: %w", len(subs), err)
	}
	return nil
}
