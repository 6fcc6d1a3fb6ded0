package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// clock is a settable time source for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newStore opens a fresh SQLite file in t.TempDir() with a test clock.
func newStore(t *testing.T) (*store.Store, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)}
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "caravan.db"), store.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

func TestMigrationsAreRecordedOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "caravan.db")
	for range 2 {
		s, err := store.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		names, err := s.Migrations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(names) == 0 || names[0] != "migrations/sqlite/0001_init.sql" {
			t.Fatalf("migrations = %v", names)
		}
		s.Close()
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
