package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Shared runs: on PostgreSQL several processes send one run together. Each
// joins the run (JoinRun), takes subscribers in batches (ClaimDue) under a
// lease it renews while it lives (RenewClaims), records their outcomes as on
// SQLite (RecordDeliveries, which spends the claims), and the process that
// finds nobody left marks the run done (CompleteRun). A process that dies
// leaves its claims to expire; any other then takes them over (ClaimExpired).
// A transaction that locks both the run's row and claims takes the row first.
// The ledger stays the judge of exactly once: a subscriber with an entry for
// the run is never claimed again, so a temporary failure is left for the next run.

// JoinRun creates the run of frequency at slot, with the cutoff now, or joins
// the one there, for owner, a name unique to the caller. started is false only
// when the run is done (but for temporary failures whose retry is not due
// yet). A failed run runs again, with its original cutoff, as does a run done
// with temporary failures left once its RetryAt has come: that starts a new
// pass, which owes a digest to the temporary failures of the passes before.
// Every live process renews the run's heartbeat (RenewClaims): one silent for
// staleAfter means they all stopped, so their claims expire at once.
// The Run returned carries owner as its Owner: each process claims under its
// own name.
func (s *Store) JoinRun(ctx context.Context, frequency string, slot time.Time, owner string, staleAfter time.Duration) (run Run, started bool, err error) {
	if !slices.Contains(Frequencies, frequency) {
		return Run{}, false, fmt.Errorf("join run: %w", ErrFrequency)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.lockCutoff(ctx, tx); err != nil {
			return err
		}
		now := s.nowMS()
		run, _, err = s.slotRun(ctx, tx, frequency, slot, owner, now)
		if err != nil || (run.Status == RunDone && !retryDue(run, now)) {
			return err
		}
		started = true
		if run.HeartbeatAt.UnixMilli() <= now-staleAfter.Milliseconds() {
			if _, err := tx.ExecContext(ctx, `UPDATE digest_claims SET expires_at = 0 WHERE run_id = ?`, run.ID); err != nil {
				return err
			}
		}
		if run.Status != RunRunning { // a new pass: a resumption, or a retry of temporary failures
			run.ClaimedAt = ms(now)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE digest_runs SET status = 'running', claimed_at = ?, heartbeat_at = ?,
			finished_at = NULL WHERE id = ?`, run.ClaimedAt.UnixMilli(), now, run.ID); err != nil {
			return err
		}
		run.Status, run.HeartbeatAt, run.FinishedAt = RunRunning, ms(now), time.Time{}
		return nil
	})
	if err != nil {
		return Run{}, false, fmt.Errorf("join %s run of %s: %w", frequency, slot.Format(time.RFC3339), err)
	}
	run.Owner = owner
	return run, started, nil
}

// ClaimDue leases to owner, for lease, up to limit subscribers with id above
// afterID that run owes a digest and that nobody holds: no ledger entry for
// the run, and no live claim. They come in id order. Claims are taken one
// process at a time (the run's row is locked), so that processes claiming
// together get different subscribers rather than collide. Paging on with the
// last id keeps each claim short; the claims of a process that died are
// found by ClaimExpired. A run no longer running is ErrConflict.
//
// The claim is looked up as a scalar subquery rather than NOT EXISTS: that
// keeps PostgreSQL to the claims' primary key per row even while the
// table's statistics, churned by the run, are stale.
func (s *Store) ClaimDue(ctx context.Context, run Run, owner string, afterID int64, limit int, lease time.Duration) ([]Subscriber, error) {
	var out []Subscriber
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.lockRunning(ctx, tx, run.ID); err != nil {
			return err
		}
		now := s.nowMS()
		ids, err := collectIDs(tx.QueryContext(ctx, `INSERT INTO digest_claims (run_id, subscriber_id, owner, expires_at)
			SELECT ?, s.id, ?, ? FROM subscribers s
			WHERE s.status = 'active' AND s.frequency = ? AND s.id > ?
			  AND COALESCE(s.confirmed_at, s.created_at) < ?
			  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = ? AND d.subscriber_id = s.id`+passOutcome+`)
			  AND COALESCE((SELECT c.expires_at FROM digest_claims c
				WHERE c.run_id = ? AND c.subscriber_id = s.id), 0) <= ?
			ORDER BY s.id LIMIT ?
			ON CONFLICT (run_id, subscriber_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
				WHERE digest_claims.expires_at <= ?
			RETURNING subscriber_id`,
			run.ID, owner, now+lease.Milliseconds(), run.Frequency, afterID, run.Cutoff.UnixMilli(),
			run.ID, run.ClaimedAt.UnixMilli(), run.ID, now, limit, now))
		if err != nil {
			return err
		}
		out, err = subscribersByID(ctx, tx, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim subscribers of run %d: %w", run.ID, err)
	}
	return out, nil
}

// lockRunning locks the row of a run, so that claims are taken one process at
// a time, and checks that it is running: a run done is ErrConflict.
func (s *Store) lockRunning(ctx context.Context, tx *sql.Tx, runID int64) error {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM digest_runs WHERE id = ?`+s.forUpdate(), runID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if status != RunRunning {
		return fmt.Errorf("run is %s: %w", status, ErrConflict)
	}
	return nil
}

// ClaimExpired takes over, for owner, up to limit claims of run that expired
// (their process died) or were given back, without an outcome. Claims on
// subscribers the run no longer owes a digest (they left, or changed their
// frequency) are dropped, since nobody will ever record them. A run no longer
// running is ErrConflict.
func (s *Store) ClaimExpired(ctx context.Context, run Run, owner string, limit int, lease time.Duration) ([]Subscriber, error) {
	var out []Subscriber
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.lockRunning(ctx, tx, run.ID); err != nil {
			return err
		}
		now := s.nowMS()
		if _, err := tx.ExecContext(ctx, `DELETE FROM digest_claims WHERE run_id = ? AND expires_at <= ?
			AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = digest_claims.subscriber_id
				AND s.status = 'active' AND s.frequency = ?)`, run.ID, now, run.Frequency); err != nil {
			return err
		}
		ids, err := collectIDs(tx.QueryContext(ctx, `UPDATE digest_claims SET owner = ?, expires_at = ?
			WHERE run_id = ? AND subscriber_id IN (SELECT c.subscriber_id FROM digest_claims c
				WHERE c.run_id = ? AND c.expires_at <= ?
				  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = c.run_id AND d.subscriber_id = c.subscriber_id)
				ORDER BY c.subscriber_id LIMIT ?`+s.skipLocked()+`)
			RETURNING subscriber_id`, owner, now+lease.Milliseconds(), run.ID, run.ID, now, limit))
		if err != nil {
			return err
		}
		out, err = subscribersByID(ctx, tx, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("take over claims of run %d: %w", run.ID, err)
	}
	return out, nil
}

// OpenClaims counts the claims of run, live or not, whose subscriber has no
// outcome yet: the work some process has taken and not finished.
func (s *Store) OpenClaims(ctx context.Context, run Run) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM digest_claims c WHERE c.run_id = ?
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = c.run_id AND d.subscriber_id = c.subscriber_id)`,
		run.ID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("open claims of run %d: %w", run.ID, err)
	}
	return n, nil
}

// subscribersByID reads the subscribers with ids, in id order.
func subscribersByID(ctx context.Context, tx *sql.Tx, ids []int64) ([]Subscriber, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids)
	rows, err := tx.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM subscribers
		WHERE id IN (`+placeholders(len(ids))+`) ORDER BY id`, int64Args(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subscriber
	for rows.Next() {
		sub, err := scanSubscriber(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// RenewClaims tells other processes that owner still works on runID: it
// renews the run's heartbeat and, for lease, those of owner's claims that are
// still live, and returns the subscribers of the claims it renewed. A claim
// of owner's that expired meanwhile is lost, taken over or not: owner must
// not send to it any more. A run no longer running (done by another process)
// is ErrConflict.
func (s *Store) RenewClaims(ctx context.Context, runID int64, owner string, lease time.Duration) (held []int64, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		now := s.nowMS()
		res, err := tx.ExecContext(ctx, `UPDATE digest_runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`,
			now, runID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("run is not running: %w", ErrConflict)
		}
		held, err = collectIDs(tx.QueryContext(ctx, `UPDATE digest_claims SET expires_at = ?
			WHERE run_id = ? AND owner = ? AND expires_at > ? RETURNING subscriber_id`,
			now+lease.Milliseconds(), runID, owner, now))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("renew claims on run %d: %w", runID, err)
	}
	return held, nil
}

// ClaimOwners lists the owners of the live claims of runID, for a process to
// free at once those of an owner it knows is gone (ReleaseClaims).
func (s *Store) ClaimOwners(ctx context.Context, runID int64) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT owner FROM digest_claims WHERE run_id = ? AND expires_at > ?`,
		runID, s.nowMS())
	if err != nil {
		return nil, fmt.Errorf("claim owners of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("claim owners of run %d: %w", runID, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim owners of run %d: %w", runID, err)
	}
	return out, nil
}

// ReleaseClaims gives up owner's claims on runID, so that other processes
// take over those without an outcome at once (ClaimExpired): for a process
// that stops early. The claims stay, expired, as the record that those
// subscribers are owed their digest.
func (s *Store) ReleaseClaims(ctx context.Context, runID int64, owner string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE digest_claims SET expires_at = 0 WHERE run_id = ? AND owner = ?`, runID, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("release claims on run %d: %w", runID, err)
	}
	return nil
}

// RemainingDue counts the subscribers run owes a digest that have no outcome
// yet, claimed or not.
func (s *Store) RemainingDue(ctx context.Context, run Run) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM subscribers s `+remainingWhere,
		run.Frequency, run.Cutoff.UnixMilli(), run.ID, run.ClaimedAt.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("remaining subscribers of run %d: %w", run.ID, err)
	}
	return n, nil
}

const remainingWhere = `WHERE s.status = 'active' AND s.frequency = ?
	AND COALESCE(s.confirmed_at, s.created_at) < ?
	AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = ? AND d.subscriber_id = s.id` + passOutcome + `)`

// passOutcome completes a ledger lookup so that it finds only the outcomes
// that settle a subscriber for the pass that began at the parameter: any but
// a temporary failure, and a temporary failure of this very pass. The
// temporary failures of earlier passes are owed a retry.
const passOutcome = ` AND (d.status <> 'failed_temp' OR d.created_at >= ?)`

// CompleteRun marks runID done if every subscriber it owes has an outcome,
// and returns it as stored; done tells whether it is done now (by this call
// or an earlier one). Any process of a shared run may call it.
func (s *Store) CompleteRun(ctx context.Context, runID int64) (run Run, done bool, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		run, err = scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE id = ?`+s.forUpdate(), runID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || run.Status == RunDone {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM subscribers s `+remainingWhere,
			run.Frequency, run.Cutoff.UnixMilli(), run.ID, run.ClaimedAt.UnixMilli()).Scan(&n); err != nil || n > 0 {
			return err
		}
		now := s.nowMS()
		if _, err := tx.ExecContext(ctx, `UPDATE digest_runs SET status = 'done', finished_at = ?, heartbeat_at = ?
			WHERE id = ?`, now, now, runID); err != nil {
			return err
		}
		if err := scheduleRetry(ctx, tx, runID, RunDone, now); err != nil {
			return err
		}
		run, err = scanRun(tx.QueryRowContext(ctx, `SELECT `+runColumns+` FROM digest_runs WHERE id = ?`, runID))
		return err
	})
	if err != nil {
		return Run{}, false, fmt.Errorf("complete run %d: %w", runID, err)
	}
	return run, run.Status == RunDone, nil
}

// spendClaims deletes the claims of runID on the subscribers of ds, whose
// outcomes the same transaction records: the ledger now keeps them from
// being claimed again, and the claims table stays as small as the work in
// flight, which keeps renewals cheap. Only shared runs claim, and only on
// PostgreSQL; SQLite's single sender is spared the statement.
func (s *Store) spendClaims(ctx context.Context, tx *sql.Tx, runID int64, ds []Delivery) error {
	if !s.pg {
		return nil
	}
	for start := 0; start < len(ds); start += copyPage {
		chunk := ds[start:min(start+copyPage, len(ds))]
		args := []any{runID}
		for _, d := range chunk {
			args = append(args, d.SubscriberID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM digest_claims WHERE run_id = ? AND subscriber_id IN (`+
			placeholders(len(chunk))+`)`, args...); err != nil {
			return fmt.Errorf("spend claims: %w", err)
		}
	}
	return nil
}
