package store

import (
	"context"
	"fmt"
	"time"
)

// RunProgress is how far a run has gone: its counts, how many subscribers it
// still owes a digest, and the failures so far with the relay's reply.
type RunProgress struct {
	Run       Run
	Remaining int // subscribers due and without a final outcome (temporary failures included)
	Failures  []RunFailure
}

// RunFailure is one subscriber a run failed to reach.
type RunFailure struct {
	SubscriberID int64
	Email        string
	Status       string // failed_temp or failed_perm
	Attempts     int
	Error        string // the relay's reply
	At           time.Time
}

// MaxRunFailures is how many failures RunProgress lists, the latest first.
const MaxRunFailures = 200

// RunProgress reads the progress of run id, or ErrNotFound.
func (s *Store) RunProgress(ctx context.Context, id int64) (RunProgress, error) {
	run, err := s.DigestRun(ctx, id)
	if err != nil {
		return RunProgress{}, err
	}
	p := RunProgress{Run: run, Failures: []RunFailure{}}
	err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM subscribers s
		WHERE s.status = 'active' AND s.frequency = ? AND COALESCE(s.confirmed_at, s.created_at) < ?
		  AND NOT EXISTS (SELECT 1 FROM deliveries d
			WHERE d.run_id = ? AND d.subscriber_id = s.id AND d.status <> 'failed_temp')`,
		run.Frequency, run.Cutoff.UnixMilli(), run.ID).Scan(&p.Remaining)
	if err != nil {
		return RunProgress{}, fmt.Errorf("progress of run %d: %w", id, err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT d.subscriber_id, s.email, d.status, d.attempts, d.error, d.created_at
		FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
		WHERE d.run_id = ? AND d.status IN ('failed_temp', 'failed_perm') ORDER BY d.id DESC LIMIT ?`, run.ID, MaxRunFailures)
	if err != nil {
		return RunProgress{}, fmt.Errorf("failures of run %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f RunFailure
		var at int64
		if err := rows.Scan(&f.SubscriberID, &f.Email, &f.Status, &f.Attempts, &f.Error, &at); err != nil {
			return RunProgress{}, fmt.Errorf("failures of run %d: %w", id, err)
		}
		f.At = ms(at)
		p.Failures = append(p.Failures, f)
	}
	if err := rows.Err(); err != nil {
		return RunProgress{}, fmt.Errorf("failures of run %d: %w", id, err)
	}
	return p, nil
}

// DueCount is how many active subscribers of frequency a run starting now would reach.
func (s *Store) DueCount(ctx context.Context, frequency string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM subscribers WHERE status = 'active' AND frequency = ?`,
		frequency).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count due subscribers: %w", err)
	}
	return n, nil
}
