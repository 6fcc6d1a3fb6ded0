package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// TestMigrateTo moves a SQLite database made by the CLI into PostgreSQL, then
// refuses to do it again into the filled target, and refuses bad targets.
func TestMigrateTo(t *testing.T) {
	target := storetest.PostgresSchema(t)
	dir := t.TempDir()
	list := "email,countries,frequency,locale\nana@example.org,kg,daily,fr\nbob@example.org,,weekly,en\n"
	if _, _, err := subscribersCLI(t, dir, list, "subscribers", "import", "-", "--confirmed"); err != nil {
		t.Fatal(err)
	}
	out, _, err := subscribersCLI(t, dir, "", "migrate-to", target)
	if err != nil {
		t.Fatalf("migrate-to: %v\n%s", err, out)
	}
	for _, want := range []string{"subscribers   2 rows", "done:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	st, err := store.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := st.SubscriberByEmail(context.Background(), "bob@example.org")
	st.Close()
	if err != nil || sub.Status != store.StatusActive || sub.Frequency != "weekly" {
		t.Fatalf("bob on PostgreSQL: %+v %v", sub, err)
	}

	if _, _, err := subscribersCLI(t, dir, "", "migrate-to", target); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second copy: %v", err)
	}
	for name, args := range map[string][]string{
		"no target":     {"migrate-to"},
		"sqlite target": {"migrate-to", filepath.Join(dir, "other.db")},
		"two targets":   {"migrate-to", target, target},
	} {
		if _, _, err := subscribersCLI(t, dir, "", args...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
