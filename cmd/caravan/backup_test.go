package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

// TestBackupWhileServingThenRestore backs up the database while serve runs,
// right after a sign-up (still in the write-ahead log), then follows the
// restore instructions the command prints: the sign-up is there, and the
// confirmation link mailed before the backup still works, since the signing
// secret lives in the database.
func TestBackupWhileServingThenRestore(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir, nil)
	signupForm(t, p.url, "newest@example.org")
	confirm := waitOutbox(t, dir, 1)[0]
	backup := filepath.Join(t.TempDir(), "caravan-backup.db")
	out, err := cli(t, dir, nil, "backup", backup)
	if err != nil || !strings.Contains(out, "To restore: stop caravan serve") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := cli(t, dir, nil, "backup", backup); err == nil || !strings.Contains(out+err.Error(), "exists") {
		t.Fatalf("a second backup over the first: %v\n%s", err, out)
	}
	p.stop()

	db := filepath.Join(dir, "caravan.db")
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		os.Remove(f)
	}
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(db, b, 0o600)
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := st.SubscriberByEmail(context.Background(), "newest@example.org")
	st.Close()
	if err != nil || sub.Status != store.StatusPending {
		t.Fatalf("restored sign-up: %+v %v", sub, err)
	}
	p2 := startServe(t, dir, nil)
	walkConfirm(t, p2.url, confirm)
}

func TestBackupOnPostgresSaysPgDump(t *testing.T) {
	out, err := cli(t, t.TempDir(), map[string]string{"CARAVAN_DATABASE": "postgres://caravan:secret@127.0.0.1:1/caravan"}, "backup", "x.db")
	if err == nil || !strings.Contains(err.Error(), "pg_dump") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("%v\n%s", err, out)
	}
}
