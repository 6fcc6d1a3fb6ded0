package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestPasswordHashes(t *testing.T) {
	if _, err := store.HashPassword("short"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("short password: %v", err)
	}
	h, err := store.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := store.HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || h == h2 {
		t.Fatalf("hash %q (and %q): want argon2id, salted", h, h2)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		if got := store.CheckPassword(h, pw); got != want {
			t.Errorf("CheckPassword(%q) = %v", pw, got)
		}
	}
	if store.CheckPassword("$argon2id$v=19$m=0,t=0,p=0$$", "x") || store.CheckPassword("plain", "plain") {
		t.Error("a damaged hash matched")
	}
}

func TestEditorAccountsAndSessions(t *testing.T) {
	s, clock := newStore(t)
	ctx := context.Background()
	hash, _ := store.HashPassword("correct horse battery")
	ed, err := s.AddEditor(ctx, "Editor@Example.org", hash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEditor(ctx, "editor@example.org", hash); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second account for the address: %v", err)
	}
	if _, err := s.Authenticate(ctx, "editor@example.org", "wrong password!"); !errors.Is(err, store.ErrBadSignIn) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.Authenticate(ctx, "nobody@example.org", "correct horse battery"); !errors.Is(err, store.ErrBadSignIn) {
		t.Fatalf("unknown address: %v", err)
	}
	got, err := s.Authenticate(ctx, "EDITOR@example.org", "correct horse battery")
	if err != nil || got.ID != ed.ID {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	p := store.SessionPolicy{Idle: time.Hour, Lifetime: 8 * time.Hour}
	token, sess, err := s.StartSession(ctx, ed.ID, "", p)
	if err != nil || sess.CSRF == "" || sess.Editor.Email != "Editor@Example.org" {
		t.Fatalf("start session: %+v %v", sess, err)
	}
	if back, err := s.Session(ctx, token, p); err != nil || back.CSRF != sess.CSRF {
		t.Fatalf("session: %+v %v", back, err)
	}
	token2, _, err := s.StartSession(ctx, ed.ID, token, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, token, p); !errors.Is(err, store.ErrNoSession) {
		t.Fatalf("the session replaced at sign-in lives on: %v", err)
	}
	clock.Add(61 * time.Minute)
	if _, err := s.Session(ctx, token2, p); !errors.Is(err, store.ErrNoSession) {
		t.Fatalf("idle session: %v", err)
	}
	token3, _, _ := s.StartSession(ctx, ed.ID, "", p)
	if err := s.RemoveEditor(ctx, "editor@EXAMPLE.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, token3, p); !errors.Is(err, store.ErrNoSession) {
		t.Fatalf("session of a removed editor: %v", err)
	}
	if err := s.RemoveEditor(ctx, "editor@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removing twice: %v", err)
	}
	if eds, err := s.Editors(ctx); err != nil || len(eds) != 0 {
		t.Fatalf("editors after removal: %v %v", eds, err)
	}
}

func TestEraseKeepsAuditLinesWithTheAddressHashed(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Subscribe(ctx, store.Signup{Email: "ana@example.org", Frequency: "daily", Locale: "fr",
		Consent: store.Consent{Method: "form"}}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"unsubscribe", "erase"} {
		if err := s.Audit(ctx, store.AuditEntry{Editor: "editor@example.org", Action: a, Subject: "Ana@example.org"}); err != nil {
			t.Fatal(err)
		}
	}
	s.Audit(ctx, store.AuditEntry{Editor: "editor@example.org", Action: "unsubscribe", Subject: "bob@example.org"})
	if lines, _ := s.AuditLog(ctx, store.AuditFilter{Subject: "ana@example.org"}); len(lines) != 2 {
		t.Fatalf("ana's lines before erasure: %v", lines)
	}
	if _, err := s.Erase(ctx, "ana@example.org"); err != nil {
		t.Fatal(err)
	}
	all, err := s.AuditLog(ctx, store.AuditFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("audit lines after erasure: %v %v", all, err)
	}
	for _, e := range all {
		if strings.Contains(strings.ToLower(e.Subject), "ana") {
			t.Errorf("erased address still in the audit log: %+v", e)
		}
	}
	// Newest first: bob's line, then ana's two.
	if all[1].Subject != all[2].Subject || !strings.HasPrefix(all[1].Subject, "erased:") || all[0].Subject != "bob@example.org" {
		t.Fatalf("subjects after erasure: %q %q %q", all[0].Subject, all[1].Subject, all[2].Subject)
	}
	if lines, _ := s.AuditLog(ctx, store.AuditFilter{Subject: "ana@example.org"}); len(lines) != 0 {
		t.Fatalf("the erased address still finds its lines: %v", lines)
	}
}
