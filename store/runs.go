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
//
// A run is sent in passes: the first, then one per resumption after a crash
// or a stop, and one per retry of its temporary failures. A run done with
// temporary failures left (FailedTemp) is started again, for a retry pass,
// from RetryAt on.
type Run struct {
	ID          int64     `json:"id"`
	Frequency   string    `json:"frequency"`
	Slot        time.Time `json:"slot"`
	Cutoff      time.Time `json:"cutoff"`
	Status      string    `json:"status"`
	Owner       string    `json:"owner,omitempty"`
	ClaimedAt   time.Time `json:"claimed_at"` // the current pass began, under Owner on SQLite
	HeartbeatAt time.Time `json:"heartbeat_at"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	RetryAt     time.Time `json:"retry_at,omitzero"` // temporary failures are retried from then on
	Retries     int       `json:"retries"`           // passes that ended with temporary failures left
	DurationMS  int64     `json:"duration_ms"`       // from start to finish, or to the last heartbeat
	RunCounts
}

// Retrying tells whether the run is done but for temporary failures, which a
// retry pass sends again from RetryAt on.
func (r Run) Retrying() bool { return r.Status == RunDone && r.FailedTemp > 0 }

// RetryBackoff is how long after the end of the n-th pass with temporary
// failures left (n from 1) the next one may start: a minute, doubling, at most
// an hour.
func RetryBackoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	return min(time.Minute<<min(n-1, 6), time.Hour)
}

// RunCounts are a run's outcomes, one subscriber each.
type RunCounts struct {
	Selected     int `json:"selected"` // subscribers considered
	Sent         int `json:"sent"`
	SkippedEmpty int `json:"skipped_empty"` // nothing new for them: no mail
	FailedTemp   int `json:"failed_temp"`   // left for the next run
	FailedPerm   int `json:"failed_perm"`   // bounced and suppressed
	Withheld     int `json:"withheld"`      // left, or suppressed, while the run was under way: not sent
}

const runColumns = `id, frequency, slot, cutoff, status, owner, claimed_at, heartbeat_at, started_at, finished_at,
	retry_at, retries, selected, sent, skipped_empty, failed_temp, failed_perm, withheld`

func scanRun(row scanner) (Run, error) {
	var (
		r                                                    Run
		slot, cutoff, claimed, heartbeat, startedAt, retryAt int64
		finished                                             sql.NullInt64
	)
	err := row.Scan(&r.ID, &r.Frequency, &slot, &cutoff, &r.Status, &r.Owner, &claimed, &heartbeat, &startedAt, &finished,
		&retryAt, &r.Retries, &r.Selected, &r.Sent, &r.SkippedEmpty, &r.FailedTemp, &r.FailedPerm, &r.Withheld)
	if err != nil {
		return Run{}, err
	}
	r.Slot, r.Cutoff, r.HeartbeatAt, r.StartedAt, r.FinishedAt = ms(slot), ms(cutoff), ms(heartbeat), ms(startedAt), msPtr(finished)
	r.ClaimedAt = ms(claimed)
	if retryAt > 0 {
		r.RetryAt = ms(retryAt)
	}
	end := heartbeat
	if finished.Valid {
		end = finished.Int64
	}
	r.DurationMS = max(0, end-startedAt)
	return r, nil
}

// StartRun claims the run of frequency at slot for owner, a name unique to the
// caller. A new run gets the cutoff now. started is false when the run is done
// (but for temporary failures whose retry is not due yet), or when another
// owner runs it and its heartbeat is younger than staleAfter; a run whose
// owner stopped (failed) or went silent (stale) is taken over with its
// original cutoff, and a run done with temporary failures left is started
// again for a retry pass once its RetryAt has come.
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
		if (run.Status == RunDone && !retryDue(run, now)) || (run.Status == RunRunning && fresh && run.Owner != owner) {
			return nil
		}
		run, err = s.takeRun(ctx, tx, run, owner, now)
		started = err == nil
		return err
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
		(frequency, slot, cutoff, status, owner, claimed_at, heartbeat_at, started_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?)
		ON CONFLICT (frequency, slot) DO NOTHING`, frequency, slot.UnixMilli(), now, owner, now, now, now)
	if err != nil {
		return Run{}, false, err
	}
	n, _ := res.RowsAffected()
	run, err = scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs
		WHERE frequency = ? AND slot = ?`+s.forUpdate(), frequency, slot.UnixMilli()))
	return run, n == 1, err
}

// retryDue tells whether run, done, has temporary failures to retry now.
func retryDue(run Run, now int64) bool {
	return run.Retrying() && run.RetryAt.UnixMilli() <= now
}

// takeRun makes owner the holder of run for a new pass beginning now.
func (s *Store) takeRun(ctx context.Context, tx *sql.Tx, run Run, owner string, now int64) (Run, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE digest_runs SET status = 'running', owner = ?, claimed_at = ?,
		heartbeat_at = ?, finished_at = NULL WHERE id = ?`, owner, now, now, run.ID); err != nil {
		return Run{}, err
	}
	run.Status, run.Owner, run.ClaimedAt, run.HeartbeatAt, run.FinishedAt = RunRunning, owner, ms(now), ms(now), time.Time{}
	return run, nil
}

// TakeOverRun hands runID from holder, a process known to be gone, to owner
// at once, without waiting for holder's heartbeat to go stale. It returns
// ErrConflict when holder no longer holds the run (another process was
// quicker, or holder finished it).
func (s *Store) TakeOverRun(ctx context.Context, runID int64, holder, owner string) (Run, error) {
	var run Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		run, err = scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE id = ?`+s.forUpdate(), runID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		case run.Status != RunRunning || run.Owner != holder:
			return fmt.Errorf("held by %s, %s: %w", run.Owner, run.Status, ErrConflict)
		}
		run, err = s.takeRun(ctx, tx, run, owner, s.nowMS())
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("take over run %d: %w", runID, err)
	}
	return run, nil
}

// RunOfSlot returns the run of frequency at slot, or ErrNotFound.
func (s *Store) RunOfSlot(ctx context.Context, frequency string, slot time.Time) (Run, error) {
	run, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE frequency = ? AND slot = ?`,
		frequency, slot.UnixMilli()))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("%s run of %s: %w", frequency, slot.Format(time.RFC3339), ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("%s run of %s: %w", frequency, slot.Format(time.RFC3339), err)
	}
	return run, nil
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
		if err := scheduleRetry(ctx, tx, runID, status, now); err != nil {
			return err
		}
		run, err = scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE id = ?`, runID))
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("finish run %d: %w", runID, err)
	}
	return run, nil
}

// scheduleRetry sets, for a run that ends a pass done but with temporary
// failures left, when the next pass may retry them (see RetryBackoff).
func scheduleRetry(ctx context.Context, tx *sql.Tx, runID int64, status string, now int64) error {
	if status != RunDone {
		return nil
	}
	var failed, retries int
	if err := tx.QueryRowContext(ctx, `SELECT failed_temp, retries FROM digest_runs WHERE id = ?`, runID).
		Scan(&failed, &retries); err != nil || failed == 0 {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE digest_runs SET retries = ?, retry_at = ? WHERE id = ?`,
		retries+1, now+RetryBackoff(retries+1).Milliseconds(), runID)
	return err
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
