package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBackupPostgres reports a backup asked of a PostgreSQL database, which
// pg_dump copies better than Caravan could.
var ErrBackupPostgres = errors.New("the database is PostgreSQL: back it up with pg_dump")

// Backup writes a consistent copy of the SQLite database to path while it is
// in use. Copying the file misses what is still in its write-ahead log (the
// newest sign-ups); VACUUM INTO reads one snapshot, log included, into a new
// compact file. The copy is written beside path and renamed into place, so
// path is either the whole backup or absent. An existing path is refused.
func (s *Store) Backup(ctx context.Context, path string) (size int64, err error) {
	if s.pg {
		return 0, ErrBackupPostgres
	}
	if _, err := os.Stat(path); err == nil {
		return 0, fmt.Errorf("backup: %s exists already: give a new file name", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	tmp.Close()
	os.Remove(tmp.Name()) // VACUUM INTO wants to create the file itself
	defer os.Remove(tmp.Name())
	// A connection of its own: the read pool is query_only, which SQLite
	// applies to VACUUM INTO too, and the writer must stay free for sign-ups.
	// The copy is one read transaction, beside readers and writers alike.
	var file string
	if err := s.r.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(file))
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp.Name()); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	return fi.Size(), nil
}
