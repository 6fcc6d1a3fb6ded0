package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Stats are the numbers of the admin stats endpoint.
type Stats struct {
	ByStatus    map[string]int64 `json:"by_status"`
	ByCountry   map[string]int64 `json:"by_country"`   // active subscribers who chose each country; "all": who chose none
	ByFrequency map[string]int64 `json:"by_frequency"` // active subscribers
	Suppressed  int64            `json:"suppressed"`   // addresses never to be mailed again
	Days        []DayCount       `json:"days"`         // every day of the period, oldest first
}

// DayCount is one day of the counters (UTC).
type DayCount struct {
	Day           string `json:"day"` // YYYY-MM-DD
	Signups       int64  `json:"signups"`
	Confirmations int64  `json:"confirmations"`
	Unsubscribes  int64  `json:"unsubscribes"` // every way of leaving, bounces included
	Imports       int64  `json:"imports"`
	Bounces       int64  `json:"bounces"` // reports of any kind
	Sent          int64  `json:"sent"`    // mails sent: digests and one-off mails
	Complaints    int64  `json:"complaints"`
	// ComplaintRate is Complaints / Sent (0 with nothing sent): Gmail and Yahoo
	// want it under 0.003 (0.3 %), 0.001 recommended.
	ComplaintRate float64 `json:"complaint_rate"`
}

// EventSent is the daily counter of mails sent, which complaint rates divide by.
const EventSent = "sent"

// DayCounts returns the counters of the last days days (today included), oldest first.
func (s *Store) DayCounts(ctx context.Context, days int) ([]DayCount, error) {
	out, err := s.dayCounts(ctx, days)
	if err != nil {
		return nil, fmt.Errorf("day counts: %w", err)
	}
	return out, nil
}

// Stats counts subscribers now and events over the last days days (today included).
func (s *Store) Stats(ctx context.Context, days int) (Stats, error) {
	st := Stats{ByStatus: map[string]int64{}, ByCountry: map[string]int64{}, ByFrequency: map[string]int64{}}
	for _, v := range Statuses {
		st.ByStatus[v] = 0
	}
	for _, v := range Frequencies {
		st.ByFrequency[v] = 0
	}
	if err := s.groupCount(ctx, `SELECT status, count(*) FROM subscribers GROUP BY status`, st.ByStatus); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	if err := s.groupCount(ctx, `SELECT frequency, count(*) FROM subscribers WHERE status = 'active' GROUP BY frequency`,
		st.ByFrequency); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	if err := s.countByCountry(ctx, st.ByCountry); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM suppressions`).Scan(&st.Suppressed); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	var err error
	if st.Days, err = s.dayCounts(ctx, days); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	return st, nil
}

func (s *Store) groupCount(ctx context.Context, query string, into map[string]int64) error {
	rows, err := s.r.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return err
		}
		into[k] = n
	}
	return rows.Err()
}

func (s *Store) countByCountry(ctx context.Context, into map[string]int64) error {
	// CASE rather than a summed comparison: PostgreSQL has no SUM of booleans.
	cols := []string{"COALESCE(SUM(CASE WHEN countries = '' THEN 1 ELSE 0 END), 0)"}
	for _, c := range Countries { // codes are constants: safe to write into the query
		cols = append(cols, fmt.Sprintf("COALESCE(SUM(CASE WHEN ',' || countries || ',' LIKE '%%,%s,%%' THEN 1 ELSE 0 END), 0)", c))
	}
	dest := make([]any, len(cols))
	vals := make([]int64, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	err := s.r.QueryRowContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM subscribers WHERE status = 'active'`).Scan(dest...)
	if err != nil {
		return err
	}
	into["all"] = vals[0]
	for i, c := range Countries {
		into[c] = vals[i+1]
	}
	return nil
}

// dayCounts reads daily_counts for the last days days, filling days without events with zeros.
func (s *Store) dayCounts(ctx context.Context, days int) ([]DayCount, error) {
	today := s.now().UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, 1-days)
	out := make([]DayCount, 0, days)
	index := map[string]int{}
	for d := first; !d.After(today); d = d.AddDate(0, 0, 1) {
		index[d.Format(time.DateOnly)] = len(out)
		out = append(out, DayCount{Day: d.Format(time.DateOnly)})
	}
	rows, err := s.r.QueryContext(ctx, `SELECT day, event, n FROM daily_counts WHERE day >= ?`, first.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var day, event string
		var n int64
		if err := rows.Scan(&day, &event, &n); err != nil {
			return nil, err
		}
		i, ok := index[day]
		if !ok {
			continue
		}
		switch d := &out[i]; {
		case event == "signup":
			d.Signups += n
		case event == "confirm":
			d.Confirmations += n
		case event == "unsubscribe":
			d.Unsubscribes += n
		case event == "import":
			d.Imports += n
		case event == EventSent:
			d.Sent += n
		case strings.HasPrefix(event, "bounce."):
			d.Bounces += n
			if event == "bounce."+BounceComplaint {
				d.Complaints += n
			}
		}
	}
	for i := range out {
		if out[i].Sent > 0 {
			out[i].ComplaintRate = float64(out[i].Complaints) / float64(out[i].Sent)
		}
	}
	return out, rows.Err()
}

// bumpN adds n to today's counter of event; bump adds one.
func bumpN(ctx context.Context, tx *sql.Tx, now time.Time, event string, n int) error {
	if n == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO daily_counts (day, event, n) VALUES (?, ?, ?)
		ON CONFLICT (day, event) DO UPDATE SET n = daily_counts.n + excluded.n`, now.UTC().Format(time.DateOnly), event, n)
	if err != nil {
		return fmt.Errorf("count %s: %w", event, err)
	}
	return nil
}
