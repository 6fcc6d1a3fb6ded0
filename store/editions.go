package store

import (
	"context"
	"fmt"
	"time"
)

// Edition is one public edition of the newsletter: what a digest run of a
// frequency covered, the articles that arrived between the previous run's
// cutoff and its own. It is built from runs and articles only, never from
// anything about the people it went to.
type Edition struct {
	Frequency string    `json:"frequency"`
	Slot      time.Time `json:"slot"`  // the scheduled time of its (latest) run
	From      time.Time `json:"from"`  // articles that arrived from here...
	Until     time.Time `json:"until"` // ...up to here (the run's cutoff), excluded
	Articles  int       `json:"articles"`
	Items     []Article `json:"items,omitempty"` // the articles, when loaded
}

// editionWindows gives every finished digest run its window: from the cutoff
// of the run of the same frequency before it (a first run looks one period
// back) to its own cutoff.
const editionWindows = `SELECT r.frequency, r.slot, r.cutoff,
		COALESCE((SELECT MAX(p.cutoff) FROM digest_runs p WHERE p.frequency = r.frequency AND p.slot < r.slot),
			r.cutoff - CASE WHEN r.frequency = 'weekly' THEN 604800000 ELSE 86400000 END) AS since
	FROM digest_runs r WHERE r.frequency IN ('daily', 'weekly') AND r.status <> 'running'`

// Editions lists the editions whose slot is in [since, before), newest first,
// skipping the runs that had no article to send; offset and limit page them.
func (s *Store) Editions(ctx context.Context, since, before time.Time, offset, limit int) ([]Edition, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT frequency, slot, since, cutoff, n FROM (
		SELECT w.frequency, w.slot, w.since, w.cutoff,
			(SELECT count(*) FROM articles a WHERE a.arrived_at >= w.since AND a.arrived_at < w.cutoff) AS n
		FROM (`+editionWindows+` AND r.slot >= ? AND r.slot < ?) w) e
		WHERE n > 0 ORDER BY slot DESC, frequency LIMIT ? OFFSET ?`,
		since.UnixMilli(), before.UnixMilli(), limit, offset)
	if err != nil {
		return nil, fmt.Errorf("editions: %w", err)
	}
	defer rows.Close()
	var out []Edition
	for rows.Next() {
		var e Edition
		var slot, from, until int64
		if err := rows.Scan(&e.Frequency, &slot, &from, &until, &e.Articles); err != nil {
			return nil, fmt.Errorf("editions: %w", err)
		}
		e.Slot, e.From, e.Until = ms(slot), ms(from), ms(until)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("editions: %w", err)
	}
	return out, nil
}

// EditionOf returns the edition of frequency made of its runs with a slot in
// [dayStart, dayEnd) (one, unless the schedule fires several times a day),
// or ErrNotFound when there was none or it had no article.
func (s *Store) EditionOf(ctx context.Context, frequency string, dayStart, dayEnd time.Time) (Edition, error) {
	var (
		e                       = Edition{Frequency: frequency}
		slot, from, until, runs int64
	)
	err := s.r.QueryRowContext(ctx, `SELECT count(*), COALESCE(MAX(slot), 0), COALESCE(MIN(since), 0),
		COALESCE(MAX(cutoff), 0) FROM (`+editionWindows+` AND r.frequency = ? AND r.slot >= ? AND r.slot < ?) w`,
		frequency, dayStart.UnixMilli(), dayEnd.UnixMilli()).Scan(&runs, &slot, &from, &until)
	if err != nil {
		return Edition{}, fmt.Errorf("edition: %w", err)
	}
	if runs == 0 {
		return Edition{}, fmt.Errorf("edition %s of %s: %w", frequency, dayStart.Format(time.DateOnly), ErrNotFound)
	}
	e.Slot, e.From, e.Until = ms(slot), ms(from), ms(until)
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM articles WHERE arrived_at >= ? AND arrived_at < ?`,
		from, until).Scan(&e.Articles); err != nil {
		return Edition{}, fmt.Errorf("edition: %w", err)
	}
	if e.Articles == 0 {
		return Edition{}, fmt.Errorf("edition %s of %s: %w", frequency, dayStart.Format(time.DateOnly), ErrNotFound)
	}
	return e, nil
}
