package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/caravan-news/caravan/store"
)

// benchDatabase returns a fresh, empty database for a benchmark, and removes it
// when drop is called. database is the -database flag: empty means a SQLite
// file in a temporary folder; a postgres:// URL means a new schema on that
// server (dropped after), so the figures never mix with data already there;
// anything else is a SQLite file that must not exist yet (and is kept).
func benchDatabase(ctx context.Context, database string) (dsn string, drop func(), err error) {
	switch {
	case database == "":
		tmp, err := os.MkdirTemp("", "caravan-bench-")
		if err != nil {
			return "", nil, err
		}
		return filepath.Join(tmp, "bench.db"), func() { os.RemoveAll(tmp) }, nil
	case store.IsPostgresURL(database):
		return benchSchema(ctx, database)
	}
	if _, err := os.Stat(database); err == nil {
		return "", nil, fmt.Errorf("-database %s exists: the benchmark needs a fresh database", database)
	}
	return database, func() {}, nil
}

// benchSchema creates a schema named caravan_bench_* on the PostgreSQL server
// at server and returns a URL that works in it.
func benchSchema(ctx context.Context, server string) (string, func(), error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, fmt.Errorf("-database: %w", err)
	}
	name := "caravan_bench_" + strings.ToLower(rand.Text()[:10])
	db, err := store.OpenDB(server)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create benchmark schema: %w", err)
	}
	drop := func() {
		db.ExecContext(context.WithoutCancel(ctx), `DROP SCHEMA `+name+` CASCADE`)
		db.Close()
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// benchBackend names the store's backend in a benchmark's output.
func benchBackend(st *store.Store) string {
	if st.Postgres() {
		return "PostgreSQL"
	}
	return "SQLite"
}
