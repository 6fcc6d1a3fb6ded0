package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgPoolSize is how many connections one process keeps to PostgreSQL. Unlike
// SQLite, PostgreSQL runs writers side by side, so reads and writes share one pool.
const pgPoolSize = 16

// IsPostgresURL tells whether dsn selects PostgreSQL rather than a SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Redact returns dsn fit for logs and error messages: a URL loses its password.
func Redact(dsn string) string {
	if !IsPostgresURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// openPostgres opens a pool on the PostgreSQL database at dsn through pgx's
// database/sql driver, with every query's ? placeholders rewritten as $n, so
// that the store's SQL runs unchanged on both backends.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: database URL: %v", ErrInvalid, err)
	}
	db := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(pgPoolSize)
	db.SetMaxIdleConns(pgPoolSize)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// rebindConnector hands out pgx connections that read ? placeholders.
type rebindConnector struct{ driver.Connector }

// Connect opens one connection.
func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := dc.(*stdlib.Conn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("pgx connector returned a %T", dc)
	}
	return rebindConn{pc}, nil
}

// rebindConn is a pgx connection whose query text is rebound before it runs.
// Embedding keeps every other capability (transactions, pings, session reset)
// that database/sql looks for.
type rebindConn struct{ *stdlib.Conn }

// Prepare prepares query with its placeholders rebound.
func (c rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(context.Background(), rebound(query))
}

// PrepareContext prepares query with its placeholders rebound.
func (c rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebound(query))
}

// ExecContext runs query with its placeholders rebound.
func (c rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebound(query), args)
}

// QueryContext runs query with its placeholders rebound.
func (c rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebound(query), args)
}

// reboundCache keeps each query's rewritten text: the store runs a few dozen
// distinct queries, each many times. Long queries, built for one batch of
// rows, are rewritten each time rather than kept.
var reboundCache sync.Map

const maxCachedQuery = 4096

func rebound(query string) string {
	if v, ok := reboundCache.Load(query); ok {
		return v.(string)
	}
	out := rebind(query)
	if len(query) <= maxCachedQuery {
		reboundCache.Store(query, out)
	}
	return out
}

// forUpdate ends a SELECT whose rows the transaction goes on to change on the
// strength of what it read. On PostgreSQL another process may change them in
// between, so the rows are locked; SQLite's one writer already excludes that.
func (s *Store) forUpdate() string {
	if s.pg {
		return " FOR UPDATE"
	}
	return ""
}

// skipLocked ends a SELECT that claims work rows: on PostgreSQL, rows another
// process is claiming are skipped rather than waited for.
func (s *Store) skipLocked() string {
	if s.pg {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// lockArrivals orders a transaction that adds articles against the start of
// digest runs (see lockCutoff). On PostgreSQL, article writers take a lock
// that only a run's start excludes, before they read the clock; on SQLite the
// one writer is order enough.
func (s *Store) lockArrivals(ctx context.Context, tx *sql.Tx) error {
	if !s.pg {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE articles IN ROW EXCLUSIVE MODE`); err != nil {
		return fmt.Errorf("lock articles: %w", err)
	}
	return nil
}

// lockCutoff, taken by a run's start before it reads the clock for its cutoff,
// waits for the article writers under way to commit and holds new ones back
// until the run is recorded: every article then either arrived before the
// cutoff and is committed, or arrives after it. SHARE mode conflicts with the
// writers' ROW EXCLUSIVE, not with readers.
func (s *Store) lockCutoff(ctx context.Context, tx *sql.Tx) error {
	if !s.pg {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `LOCK TABLE articles IN SHARE MODE`); err != nil {
		return fmt.Errorf("lock articles: %w", err)
	}
	return nil
}
