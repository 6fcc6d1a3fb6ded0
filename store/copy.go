package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// copyTable is a table Copy moves, with the columns that order and page it.
type copyTable struct {
	name string
	key  []string // primary key, in order
}

// copyTables are every table of the schema but schema_migrations (each database
// records its own), parents before the tables that refer to them.
var copyTables = []copyTable{
	{"settings", []string{"key"}},
	{"suppressions", []string{"hash"}},
	{"feeds", []string{"id"}},
	{"subscribers", []string{"id"}},
	{"signups", []string{"id"}},
	{"consent_events", []string{"id"}},
	{"confirm_caps", []string{"base"}},
	{"articles", []string{"id"}},
	{"digest_runs", []string{"id"}},
	{"deliveries", []string{"id"}},
	{"outbox", []string{"id"}},
	{"daily_counts", []string{"day", "event"}},
}

// copyPage is how many rows are read, and written in one INSERT, at a time: a
// subscriber row has 24 columns, well under both backends' parameter limits.
const copyPage = 500

// CopyCount is how many rows of one table Copy moved.
type CopyCount struct {
	Table string
	Rows  int64
}

// Copy moves every row of the database at srcDSN into the one at dstDSN,
// typically a SQLite file into PostgreSQL. Both are migrated first; the target
// must hold no data (a store that was only opened is fine: its generated
// settings are replaced by the source's, so signed links and the suppression
// list keep working). Rows keep their ids, the target's id sequences then
// start past the highest id ever given out, and everything is written in one
// transaction of the target: a failed copy leaves it empty. The source is read
// in one transaction too, a consistent snapshot; stop the processes that write
// to it first, or their later writes are not copied. progress, if not nil, is
// called after each table.
func Copy(ctx context.Context, srcDSN, dstDSN string, progress func(CopyCount)) ([]CopyCount, error) {
	src, err := Open(ctx, srcDSN)
	if err != nil {
		return nil, fmt.Errorf("copy: source: %w", err)
	}
	defer src.Close()
	dst, err := Open(ctx, dstDSN)
	if err != nil {
		return nil, fmt.Errorf("copy: target: %w", err)
	}
	defer dst.Close()
	rtx, err := src.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: src.pg, Isolation: snapshotLevel(src)})
	if err != nil {
		return nil, fmt.Errorf("copy: read source: %w", err)
	}
	defer rtx.Rollback()
	var out []CopyCount
	err = dst.write(ctx, func(wtx *sql.Tx) error {
		if err := checkEmpty(ctx, wtx); err != nil {
			return err
		}
		for _, t := range copyTables {
			n, err := copyRows(ctx, rtx, wtx, dst.pg, t)
			if err != nil {
				return fmt.Errorf("table %s: %w", t.name, err)
			}
			c := CopyCount{Table: t.name, Rows: n}
			out = append(out, c)
			if progress != nil {
				progress(c)
			}
		}
		return resetSequences(ctx, rtx, wtx, src.pg, dst.pg)
	})
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	return out, nil
}

// snapshotLevel makes one transaction see one state of a PostgreSQL source;
// a SQLite read transaction does already.
func snapshotLevel(s *Store) sql.IsolationLevel {
	if s.pg {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}

// checkEmpty refuses a target that holds data: only the settings a fresh
// store makes for itself may be there.
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	for _, t := range copyTables {
		where := ""
		if t.name == "settings" {
			where = ` WHERE key <> '` + suppressionSaltKey + `'`
		}
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name+where).Scan(&n); err != nil {
			return fmt.Errorf("check target: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("%w: the target database is not empty (table %s has %d rows); copy into a new database",
				ErrConflict, t.name, n)
		}
	}
	return nil
}

// copyRows moves table t page by page, in key order, and returns the row count.
func copyRows(ctx context.Context, rtx, wtx *sql.Tx, dstPG bool, t copyTable) (int64, error) {
	keys := strings.Join(t.key, ", ")
	var after []any
	var total int64
	for {
		q := `SELECT * FROM ` + t.name
		if after != nil {
			q += ` WHERE (` + keys + `) > (` + placeholders(len(after)) + `)`
		}
		q += ` ORDER BY ` + keys + ` LIMIT ?`
		cols, rows, err := readPage(ctx, rtx, q, append(after, copyPage)...)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			return total, nil
		}
		if err := insertPage(ctx, wtx, dstPG, t.name, cols, rows); err != nil {
			return total, err
		}
		total += int64(len(rows))
		if len(rows) < copyPage {
			return total, nil
		}
		after = keyOf(cols, rows[len(rows)-1], t.key)
	}
}

// readPage reads the rows of q as the driver gives them.
func readPage(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, [][]any, error) {
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]any
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		out = append(out, vals)
	}
	return cols, out, rs.Err()
}

// insertPage writes rows in one INSERT, keeping their ids: PostgreSQL's
// identity columns take given values only when told to.
func insertPage(ctx context.Context, tx *sql.Tx, dstPG bool, table string, cols []string, rows [][]any) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) `)
	if dstPG && slices.Contains(cols, "id") {
		q.WriteString(`OVERRIDING SYSTEM VALUE `)
	}
	q.WriteString(`VALUES `)
	args := make([]any, 0, len(rows)*len(cols))
	row := `(` + placeholders(len(cols)) + `)`
	for i, r := range rows {
		if i > 0 {
			q.WriteString(`, `)
		}
		q.WriteString(row)
		args = append(args, r...)
	}
	if table == "settings" { // the target's own salt and secrets give way to the source's
		q.WriteString(` ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
	}
	_, err := tx.ExecContext(ctx, q.String(), args...)
	return err
}

// resetSequences makes the target's ids go on past the highest the source
// ever gave out, deleted rows included (SQLite's AUTOINCREMENT remembers
// those in sqlite_sequence), so that no id is ever given twice.
func resetSequences(ctx context.Context, rtx, wtx *sql.Tx, srcPG, dstPG bool) error {
	if !dstPG {
		return nil // SQLite moves its counters past the ids inserted
	}
	for _, t := range copyTables {
		if t.key[0] != "id" {
			continue
		}
		var top int64
		if err := wtx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+t.name).Scan(&top); err != nil {
			return fmt.Errorf("sequence of %s: %w", t.name, err)
		}
		if !srcPG {
			var seq sql.NullInt64
			err := rtx.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, t.name).Scan(&seq)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sequence of %s: %w", t.name, err)
			}
			top = max(top, seq.Int64)
		}
		// setval(s, 1, false) hands out 1 next; setval(s, n, true) hands out n+1.
		_, err := wtx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence(?, 'id'), ?, ?)`,
			t.name, max(top, 1), top > 0)
		if err != nil {
			return fmt.Errorf("sequence of %s: %w", t.name, err)
		}
	}
	return nil
}

func keyOf(cols []string, row []any, key []string) []any {
	out := make([]any, len(key))
	for i, k := range key {
		for j, c := range cols {
			if c == k {
				out[i] = row[j]
			}
		}
	}
	return out
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
