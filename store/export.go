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
// ImportCSV reads. An export of everyone adds a status column, so that who left
// stays told apart from who reads. Cells a spreadsheet would run as a formula
// are neutralised (see neutralise). It reads a page of rows at a time, by id,
// and writes each page before reading the next, so the list is never held in
// memory and no read transaction stays open for the length of a slow download.
// It returns the number of rows written.
func (s *Store) ExportCSV(ctx context.Context, w io.Writer, status string) (int, error) {
	if status != "" && !slices.Contains(Statuses, status) {
		return 0, fmt.Errorf("export: %w: status must be pending, active, unsubscribed or bounced", ErrInvalid)
	}
	cw := csv.NewWriter(w)
	head := CSVColumns
	if status == "" {
		head = append(slices.Clip(CSVColumns), CSVStatusColumn)
	}
	if err := cw.Write(head); err != nil {
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
	rows, err := s.r.QueryContext(ctx, `SELECT id, email, countries, frequency, locale, status FROM subscribers
		WHERE id > ? AND (? = '' OR status = ?) ORDER BY id LIMIT ?`, after, status, status, exportPage)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	n, last := 0, after
	rec := make([]string, 5)
	if status != "" {
		rec = rec[:4]
	}
	for rows.Next() {
		var countries, st string
		if err := rows.Scan(&last, &rec[0], &countries, &rec[2], &rec[3], &st); err != nil {
			return n, last, err
		}
		rec[0], rec[1] = neutralise(rec[0]), strings.ReplaceAll(countries, ",", " ")
		if status == "" {
			rec[4] = st
		}
		if err := cw.Write(rec); err != nil {
			return n, last, err
		}
		n++
	}
	return n, last, rows.Err()
}

// formulaStarts are the first characters that make a spreadsheet read a cell
// as a formula (OWASP, "CSV injection"): "=cmd|' /C calc'!A0@example.org" is a
// valid address.
const formulaStarts = "=+-@\t\r"

// neutralise prefixes a cell that a spreadsheet would run as a formula with a
// single quote, which spreadsheets show as text and the import takes off again.
func neutralise(cell string) string {
	if cell != "" && strings.IndexByte(formulaStarts, cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// unneutralise undoes neutralise on an imported cell.
func unneutralise(cell string) string {
	if len(cell) > 1 && cell[0] == '\'' && strings.IndexByte(formulaStarts, cell[1]) >= 0 {
		return cell[1:]
	}
	return cell
}
