package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// clock is a settable time source.
type clock = storetest.Clock

// newStore opens a fresh database with a test clock: SQLite in t.TempDir(),
// or PostgreSQL with CARAVAN_TEST_BACKEND=postgres (see storetest).
func newStore(t *testing.T) (*store.Store, *clock) {
	t.Helper()
	c := storetest.NewClock(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	return storetest.Open(t, store.WithClock(c.Now)), c
}

func TestMigrationsAreRecordedOnce(t *testing.T) {
	dsn := storetest.DSN(t)
	want := "migrations/sqlite/0001_init.sql"
	if storetest.Postgres() {
		want = "migrations/postgres/0001_init.sql"
	}
	var first []string
	for i := range 2 {
		s, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		names, err := s.Migrations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(names) == 0 || names[0] != want {
			t.Fatalf("migrations = %v", names)
		}
		if i == 1 && !slices.Equal(names, first) {
			t.Fatalf("second open recorded %v, first %v", names, first)
		}
		first = names
		s.Close()
	}
}

// The two backends' migrations are in step: the same files, by name.
func TestMigrationFoldersMatch(t *testing.T) {
	list := func(dir string) []string {
		entries, err := os.ReadDir(filepath.Join("migrations", dir))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	lite, pg := list("sqlite"), list("postgres")
	if len(lite) == 0 || !slices.Equal(lite, pg) {
		t.Fatalf("migrations/sqlite has %v, migrations/postgres has %v", lite, pg)
	}
}

func TestEnsureSettingKeepsFirstValue(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	v1, created, err := s.EnsureSetting(ctx, "secret", func() (string, error) { return "one", nil })
	if err != nil || !created || v1 != "one" {
		t.Fatalf("first: %q %v %v", v1, created, err)
	}
	v2, created, err := s.EnsureSetting(ctx, "secret", func() (string, error) { return "two", nil })
	if err != nil || created || v2 != "one" {
		t.Fatalf("second: %q %v %v", v2, created, err)
	}
}
