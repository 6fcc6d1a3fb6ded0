// Package store keeps Caravan's data: subscribers, articles, feeds, digest runs,
// the delivery ledger and the mail outbox. It is the ground floor: it imports
// none of Caravan's other packages and knows nothing of HTTP.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Domain errors. Callers test them with errors.Is; the server maps them to HTTP statuses.
var (
	ErrNotFound   = errors.New("not found")
	ErrSuppressed = errors.New("address is suppressed")
	ErrConflict   = errors.New("conflict")
	ErrInvalid    = errors.New("invalid input")
)

// Store is Caravan's persistence. On SQLite it holds one writer connection,
// because SQLite serialises writers anyway and several writer connections only
// trade work for SQLITE_BUSY retries, and a pool of readers that WAL lets run
// beside the writer. On PostgreSQL w and r are one pool, and several processes
// may write at once: see the FOR UPDATE and guarded updates marked "PostgreSQL".
type Store struct {
	w       *sql.DB
	r       *sql.DB
	pg      bool // PostgreSQL: writers run side by side, in this process and others
	now     func() time.Time
	salt    string         // of suppression hashes; made once, never changes
	signups chan signupReq // group commit of signups, see batch.go
	done    chan struct{}  // closed when the signup batcher has stopped
	hot     map[string]*sql.Stmt
	hotRead map[string]*sql.Stmt // see hotReads
}

// Option changes how Open builds a Store.
type Option func(*Store)

// WithClock makes the store read time from now; tests use it to move the clock.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Open opens the database that dsn names and applies the migrations that are
// not yet recorded: a postgres:// or postgresql:// URL opens PostgreSQL, and
// anything else is the path of a SQLite file, created if needed.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now}
	for _, o := range opts {
		o(s)
	}
	var err error
	if IsPostgresURL(dsn) {
		s.pg = true
		s.w, err = openPostgres(dsn)
		s.r = s.w
	} else {
		s.w, s.r, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", Redact(dsn), err)
	}
	if err := s.migrate(ctx); err != nil {
		s.closeDB()
		return nil, fmt.Errorf("open store %s: %w", Redact(dsn), err)
	}
	if s.salt, _, err = s.EnsureSetting(ctx, suppressionSaltKey, func() (string, error) { return rand.Text(), nil }); err != nil {
		s.closeDB()
		return nil, fmt.Errorf("open store %s: %w", Redact(dsn), err)
	}
	if err := s.prepareHot(ctx); err != nil {
		s.closeDB()
		return nil, fmt.Errorf("open store %s: %w", Redact(dsn), err)
	}
	s.startBatcher()
	return s, nil
}

// openSQLite opens the writer and the readers of the SQLite file at path.
func openSQLite(path string) (w, r *sql.DB, err error) {
	// The pragmas ride on the DSN so that every connection the pool opens gets them:
	//   busy_timeout(10000): wait up to 10 s for a lock instead of failing with SQLITE_BUSY;
	//   journal_mode(WAL):   readers never block the writer, nor it them;
	//   synchronous(NORMAL): durable at each checkpoint, safe against corruption in WAL mode;
	//   foreign_keys(1):     SQLite leaves them off unless asked, per connection;
	//   temp_store(2):       statement journals in memory, not temp files (bulk imports).
	// _txlock=immediate takes the write lock at BEGIN, so a transaction never fails
	// half-way when it upgrades from reading to writing.
	dsn := sqliteDSN(path)
	w, err = sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	r.SetMaxOpenConns(8)
	return w, r, nil
}

func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=temp_store(2)"
}

// OpenDB opens the bare database behind dsn, without migrating it, for tools
// and tests that reach tables the Store does not expose. On PostgreSQL its
// queries take ? placeholders too. The caller closes it.
func OpenDB(dsn string) (*sql.DB, error) {
	if IsPostgresURL(dsn) {
		return openPostgres(dsn)
	}
	return sql.Open("sqlite", sqliteDSN(dsn))
}

// Postgres tells whether the store runs on PostgreSQL rather than SQLite.
func (s *Store) Postgres() bool { return s.pg }

// Close closes the connection pools.
func (s *Store) Close() error {
	s.stopBatcher()
	s.closeHot()
	return s.closeDB()
}

func (s *Store) closeDB() error {
	if s.r == s.w {
		return s.w.Close()
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// Now is the store's clock, in milliseconds since the epoch as stored.
func (s *Store) Now() time.Time { return s.now() }

func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.r.PingContext(ctx)
}

// write runs fn in a transaction on the writer connection and commits it when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ms turns a stored millisecond count into a time.
func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

// msPtr turns a nullable stored millisecond count into a time, zero when NULL.
func msPtr(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return ms(v.Int64)
}

// nullMS stores a zero time as NULL.
func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}
