package store

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
)

// exportPage is how many rows an export reads at a time.
const exportPage = 1000

// ExportCSV writes the subscribers with status (everyone when status is empty)
// as CSV with the CSVColumns header, countries separated by spaces: the format
// ImportCSV reads. It reads a page of rows at a time, by id, and writes each page
// before reading the next, so the list is never held in memory and no read
// transaction stays open for the length of a slow download. It returns the
// number of rows written.
func (s *Store) ExportCSV(ctx context.Context, w io.Writer, status string) (int, error) {
	if status != "" && !slices.Contains(Statuses, status) {
		return 0, fmt.Errorf("export: %w: status must be pending, active, unsubscribed or bounced", ErrInvalid)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	var after int64
	n := 0
	for {
		got, last, err := s.exportPage(ctx, cw, status, after)
		if err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
		n += got
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, fmt.Errorf("export: %w", err)
		}
		if got < exportPage {
			return n, nil
		}
		after = last
	}
}

func (s *Store) exportPage(ctx context.Context, cw *csv.Writer, status string, after int64) (int, int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, email, countries, frequency, locale FROM subscribers
		WHERE id > ? AND (? = '' OR status = ?) ORDER BY id LIMIT ?`, after, status, status, exportPage)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	n, last := 0, after
	rec := make([]string, 4)
	for rows.Next() {
		var countries string
		if err := rows.Scan(&last, &rec[0], &countries, &rec[2], &rec[3]); err != nil {
			return n, last, err
		}
		rec[1] = strings.ReplaceAll(countries, ",", " ")
		if err := cw.Write(rec); err != nil {
			return n, last, err
		}
		n++
	}
	return n, last, rows.Err()
}
