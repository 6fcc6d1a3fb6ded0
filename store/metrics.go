package store

import (
	"context"
	"fmt"
)

// Metrics are the numbers /metrics reports, read from the tables when scraped:
// the counters live in the database, so they survive restarts and every
// process (serve, the CLI, cron's digest send) adds to the same ones.
type Metrics struct {
	Events       map[string]int64            // daily_counts summed over all days, by event
	Subscribers  map[string]int64            // by status
	Outbox       map[string]map[string]int64 // one-off mails by kind, then status
	Runs         []RunTotals                 // digest runs by frequency and status
	RunDurations map[string][]float64        // seconds of each finished run, by frequency
	Feeds        int64                       // configured feeds: retired ones are not counted
	FeedsFailing int64                       // configured feeds whose latest poll failed
	// Yesterday and Today are the counters of those days (UTC), for the daily complaint rate.
	Yesterday, Today DayCount
}

// RunTotals adds up the digest runs of one frequency and status.
type RunTotals struct {
	Frequency, Status string
	Runs              int64
	RunCounts
}

// Metrics reads the current numbers.
func (s *Store) Metrics(ctx context.Context) (Metrics, error) {
	m := Metrics{Events: map[string]int64{}, Subscribers: map[string]int64{}, Outbox: map[string]map[string]int64{},
		RunDurations: map[string][]float64{}}
	for _, v := range Statuses {
		m.Subscribers[v] = 0
	}
	steps := []func() error{
		func() error {
			return s.groupCount(ctx, `SELECT event, SUM(n) FROM daily_counts GROUP BY event`, m.Events)
		},
		func() error {
			return s.groupCount(ctx, `SELECT status, count(*) FROM subscribers GROUP BY status`, m.Subscribers)
		},
		func() error { return s.outboxTotals(ctx, m.Outbox) },
		func() error {
			days, err := s.dayCounts(ctx, 2)
			if err == nil {
				m.Yesterday, m.Today = days[0], days[1]
			}
			return err
		},
		func() error { return s.runTotals(ctx, &m) },
		func() error {
			return s.r.QueryRowContext(ctx, `SELECT count(*),
				COALESCE(SUM(CASE WHEN last_error_at >= COALESCE(last_success_at, 0) THEN 1 ELSE 0 END), 0)
				FROM feeds WHERE retired_at IS NULL`).Scan(&m.Feeds, &m.FeedsFailing)
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Metrics{}, fmt.Errorf("metrics: %w", err)
		}
	}
	return m, nil
}

func (s *Store) outboxTotals(ctx context.Context, into map[string]map[string]int64) error {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, status, count(*) FROM outbox GROUP BY kind, status`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, status string
		var n int64
		if err := rows.Scan(&kind, &status, &n); err != nil {
			return err
		}
		if into[kind] == nil {
			into[kind] = map[string]int64{}
		}
		into[kind][status] = n
	}
	return rows.Err()
}

func (s *Store) runTotals(ctx context.Context, m *Metrics) error {
	rows, err := s.r.QueryContext(ctx, `SELECT frequency, status, count(*), SUM(selected), SUM(sent),
		SUM(skipped_empty), SUM(failed_temp), SUM(failed_perm) FROM digest_runs GROUP BY frequency, status`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t RunTotals
		if err := rows.Scan(&t.Frequency, &t.Status, &t.Runs, &t.Selected, &t.Sent, &t.SkippedEmpty,
			&t.FailedTemp, &t.FailedPerm); err != nil {
			return err
		}
		m.Runs = append(m.Runs, t)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.r.QueryContext(ctx, `SELECT frequency, (finished_at - started_at) / 1000.0 FROM digest_runs
		WHERE finished_at IS NOT NULL`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var freq string
		var secs float64
		if err := rows.Scan(&freq, &secs); err != nil {
			return err
		}
		m.RunDurations[freq] = append(m.RunDurations[freq], secs)
	}
	return rows.Err()
}
