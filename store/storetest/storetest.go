// Package storetest opens fresh stores for tests, on the backend the
// environment names: SQLite in t.TempDir() by default, PostgreSQL when
// CARAVAN_TEST_BACKEND=postgres and CARAVAN_TEST_POSTGRES holds a server URL.
// Every test gets its own database (a file, or a schema dropped when the test
// ends), so one suite runs unchanged on both backends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// The environment variables the helpers read.
const (
	EnvBackend  = "CARAVAN_TEST_BACKEND"  // "postgres" runs the store on PostgreSQL; empty or "sqlite" on SQLite
	EnvPostgres = "CARAVAN_TEST_POSTGRES" // URL of a PostgreSQL server the tests may create schemas in
)

// Postgres tells whether the tests run on PostgreSQL.
func Postgres() bool { return os.Getenv(EnvBackend) == "postgres" }

// DSN returns the location of a fresh, empty database for t: a SQLite path in
// t.TempDir(), or on PostgreSQL a URL whose search_path is a new schema, dropped
// when t ends. Pass it to store.Open, or to the program as its database.
func DSN(t testing.TB) string {
	t.Helper()
	switch b := os.Getenv(EnvBackend); b {
	case "", "sqlite":
		return filepath.Join(t.TempDir(), "caravan.db")
	case "postgres":
		if os.Getenv(EnvPostgres) == "" {
			t.Fatalf("%s=postgres needs %s, the URL of a PostgreSQL server (.ci/postgres starts one)", EnvBackend, EnvPostgres)
		}
		return PostgresSchema(t)
	default:
		t.Fatalf("%s=%q: want sqlite or postgres", EnvBackend, b)
		return ""
	}
}

// Open opens a store on a fresh database (see DSN), closed when t ends.
func Open(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	s, _ := OpenDSN(t, opts...)
	return s
}

// OpenDSN is Open, also returning the DSN, for tests that reach the database
// another way too (see DB) or hand it to the program.
func OpenDSN(t testing.TB, opts ...store.Option) (*store.Store, string) {
	t.Helper()
	dsn := DSN(t)
	s, err := store.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

// DB opens the bare database behind dsn (? placeholders on both backends),
// closed when t ends.
func DB(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := store.OpenDB(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL returns the server URL of CARAVAN_TEST_POSTGRES, whatever the
// backend of the other tests, and skips t when it is not set: for tests that
// only make sense on PostgreSQL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvPostgres)
	if u == "" {
		t.Skipf("needs PostgreSQL: set %s to a server URL (.ci/run starts one)", EnvPostgres)
	}
	return u
}

// PostgresSchema creates a schema with a random name on the server of
// CARAVAN_TEST_POSTGRES (skipping t when it is not set) and returns a URL that
// works in it. The schema, and all in it, is dropped when t ends.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	server := PostgresURL(t)
	name := "t_" + strings.ToLower(rand.Text()[:12])
	admin, err := store.OpenDB(server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := store.OpenDB(server)
		if err != nil {
			t.Errorf("drop test schema: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
