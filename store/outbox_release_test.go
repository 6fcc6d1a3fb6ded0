package store_test

import (
	"context"
	"testing"
	"time"
)

// TestReleaseMailMakesClaimedMailDueAtOnce: a sender that stops gives back
// what it claimed; the mails are due at once, not when the lease ends, and
// the claim is not counted as an attempt.
func TestReleaseMailMakesClaimedMailDueAtOnce(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	for _, email := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		if _, err := s.Subscribe(ctx, signup(email)); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := s.ClaimMail(ctx, 10, time.Hour)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: %+v, %v", claimed, err)
	}
	if err := s.MailSent(ctx, claimed[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseMail(ctx, []int64{claimed[0].ID, claimed[1].ID, claimed[2].ID}); err != nil {
		t.Fatal(err)
	}
	again, err := s.ClaimMail(ctx, 10, time.Hour)
	if err != nil || len(again) != 2 || again[0].ID != claimed[1].ID || again[1].ID != claimed[2].ID {
		t.Fatalf("claimed after the release: %+v, %v; want the two unsent, not the sent one", again, err)
	}
	for _, m := range again {
		if m.Attempts != 1 {
			t.Errorf("mail %d: attempt %d after a released claim, want 1", m.ID, m.Attempts)
		}
	}
	if n, err := s.QueuedMail(ctx); err != nil || n != 2 {
		t.Fatalf("queued %d, %v", n, err)
	}
}
