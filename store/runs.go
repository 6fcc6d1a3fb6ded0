package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Digest run statuses. A failed run is one that stopped before it reached every
// subscriber (shutdown, lost database): starting its slot again resumes it.
const (
	RunRunning = "running"
	RunDone    = "done"
	RunFailed  = "failed"
)

// Run is one digest run, identified by its frequency and the scheduled slot it
// stands for. Its cutoff is fixed when it is first started, so a resumed run
// selects exactly the articles the interrupted one would have.
type Run struct {
	ID          int64     `json:"id"`
	Frequency   string    `json:"frequency"`
	Slot        time.Time `json:"slot"`
	Cutoff      time.Time `json:"cutoff"`
	Status      string    `json:"status"`
	Owner       string    `json:"owner,omitempty"`
	HeartbeatAt time.Time `json:"heartbeat_at"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	DurationMS  int64     `json:"duration_ms"` // from start to finish, or to the last heartbeat
	RunCounts
}

// RunCounts are a run's outcomes, one subscriber each.
type RunCounts struct {
	Selected     int `json:"selected"` // subscribers considered
	Sent         int `json:"sent"`
	SkippedEmpty int `json:"skipped_empty"` // nothing new for them: no mail
	FailedTemp   int `json:"failed_temp"`   // left for the next run
	FailedPerm   int `json:"failed_perm"`   // bounced and suppressed
}

const runColumns = `id, frequency, slot, cutoff, status, owner, heartbeat_at, started_at, finished_at,
	selected, sent, skipped_empty, failed_temp, failed_perm`

func scanRun(row scanner) (Run, error) {
	var (
		r                                  Run
		slot, cutoff, heartbeat, startedAt int64
		finished                           sql.NullInt64
	)
	err := row.Scan(&r.ID, &r.Frequency, &slot, &cutoff, &r.Status, &r.Owner, &heartbeat, &startedAt, &finished,
		&r.Selected, &r.Sent, &r.SkippedEmpty, &r.FailedTemp, &r.FailedPerm)
	if err != nil {
		return Run{}, err
	}
	r.Slot, r.Cutoff, r.HeartbeatAt, r.StartedAt, r.FinishedAt = ms(slot), ms(cutoff), ms(heartbeat), ms(startedAt), msPtr(finished)
	end := heartbeat
	if finished.Valid {
		end = finished.Int64
	}
	r.DurationMS = max(0, end-startedAt)
	return r, nil
}

// StartRun claims the run of frequency at slot for owner, a name unique to the
// caller. A new run gets the cutoff now. started is false when the run is done,
// or when another owner runs it and its heartbeat is younger than staleAfter;
// a run whose owner stopped (failed) or went silent (stale) is taken over with
// its original cutoff.
func (s *Store) StartRun(ctx context.Context, frequency string, slot time.Time, owner string, staleAfter time.Duration) (run Run, started bool, err error) {
	if !slices.Contains(Frequencies, frequency) {
		return Run{}, false, fmt.Errorf("start run: %w", ErrFrequency)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.lockCutoff(ctx, tx); err != nil {
			return err
		}
		// Read the clock inside the transaction: the write lock orders it after
		// every article committed before, so nothing arrives "before" the cutoff later.
		now := s.nowMS()
		run, started, err = s.slotRun(ctx, tx, frequency, slot, owner, now)
		if err != nil || started {
			return err
		}
		fresh := run.HeartbeatAt.UnixMilli() > now-staleAfter.Milliseconds()
		if run.Status == RunDone || (run.Status == RunRunning && fresh && run.Owner != owner) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE digest_runs SET status = 'running', owner = ?, heartbeat_at = ?,
			finished_at = NULL WHERE id = ?`, owner, now, run.ID); err != nil {
			return err
		}
		run.Status, run.Owner, run.HeartbeatAt, run.FinishedAt = RunRunning, owner, ms(now), time.Time{}
		started = true
		return nil
	})
	if err != nil {
		return Run{}, false, fmt.Errorf("start %s run of %s: %w", frequency, slot.Format(time.RFC3339), err)
	}
	return run, started, nil
}

// slotRun inserts the run of frequency at slot, with cutoff now, unless it
// exists, and returns the slot's run row, locked on PostgreSQL: of two
// processes at the same slot, the second waits here for the first's commit.
// created tells whether this call inserted it.
func (s *Store) slotRun(ctx context.Context, tx *sql.Tx, frequency string, slot time.Time, owner string, now int64) (run Run, created bool, err error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO digest_runs
		(frequency, slot, cutoff, status, owner, heartbeat_at, started_at) VALUES (?, ?, ?, 'running', ?, ?, ?)
		ON CONFLICT (frequency, slot) DO NOTHING`, frequency, slot.UnixMilli(), now, owner, now, now)
	if err != nil {
		return Run{}, false, err
	}
	n, _ := res.RowsAffected()
	run, err = scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs
		WHERE frequency = ? AND slot = ?`+s.forUpdate(), frequency, slot.UnixMilli()))
	return run, n == 1, err
}

// Heartbeat tells other processes that owner still runs runID. It returns
// ErrConflict when the run was taken over or finished meanwhile: the caller
// must stop taking new subscribers.
func (s *Store) Heartbeat(ctx context.Context, runID int64, owner string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE digest_runs SET heartbeat_at = ?
			WHERE id = ? AND owner = ? AND status = 'running'`, s.nowMS(), runID, owner)
		if err != nil {
			return fmt.Errorf("heartbeat run %d: %w", runID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("heartbeat run %d: no longer owned by %s: %w", runID, owner, ErrConflict)
		}
		return nil
	})
}

// FinishRun records that owner stopped runID with status (RunDone, or RunFailed
// when subscribers remain) and returns the run as stored. It returns ErrConflict
// when owner no longer holds the run.
func (s *Store) FinishRun(ctx context.Context, runID int64, owner, status string) (Run, error) {
	if status != RunDone && status != RunFailed {
		return Run{}, fmt.Errorf("finish run %d: status %q: %w", runID, status, ErrInvalid)
	}
	var run Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.nowMS()
		res, err := tx.ExecContext(ctx, `UPDATE digest_runs SET status = ?, finished_at = ?, heartbeat_at = ?
			WHERE id = ? AND owner = ? AND status = 'running'`, status, now, now, runID, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("no longer owned by %s: %w", owner, ErrConflict)
		}
		run, err = scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE id = ?`, runID))
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("finish run %d: %w", runID, err)
	}
	return run, nil
}

// DigestRun returns the run with id, or ErrNotFound.
func (s *Store) DigestRun(ctx context.Context, id int64) (Run, error) {
	run, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("digest run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("digest run %d: %w", id, err)
	}
	return run, nil
}

// Runs lists the latest limit runs (1..500, else 50), the most recent slot first, for admins.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM digest_runs
		ORDER BY slot DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}
