package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestReconsentCycle(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	const after = 3 * 365 * 24 * time.Hour
	quiet := activeSubscriber(t, s, "quiet@example.org")
	answers := activeSubscriber(t, s, "answers@example.org")
	c.Add(after - time.Hour)
	fresh := activeSubscriber(t, s, "fresh@example.org")
	confirmations, _ := s.ClaimMail(ctx, 100, time.Hour)
	for _, m := range confirmations {
		s.MailSent(ctx, m.ID)
	}
	c.Add(2 * time.Hour)

	asked, err := s.AskReconsent(ctx, after)
	if err != nil || asked != 2 {
		t.Fatalf("asked %d, %v", asked, err)
	}
	mails, _ := s.ClaimMail(ctx, 100, time.Hour)
	if len(mails) != 2 || mails[0].Kind != store.MailReconsent {
		t.Fatalf("mails: %+v", mails)
	}
	if again, _ := s.AskReconsent(ctx, after); again != 0 {
		t.Fatalf("asked twice: %d", again)
	}
	c.Add(24 * time.Hour)
	s.UpdatePreferences(ctx, answers.ID, store.Preferences{Frequency: "daily", Locale: "fr"}) // the answer
	if n, _ := s.ExpireReconsent(ctx); n != 0 {
		t.Fatalf("removed %d before the grace period", n)
	}
	c.Add(store.ReconsentGrace)
	if n, err := s.ExpireReconsent(ctx); err != nil || n != 1 {
		t.Fatalf("removed %d, %v", n, err)
	}
	for _, tt := range []struct {
		sub     store.Subscriber
		status  string
		channel string
	}{{quiet, "unsubscribed", "reconsent-expired"}, {answers, "active", ""}, {fresh, "active", ""}} {
		got, _ := s.Subscriber(ctx, tt.sub.ID)
		if got.Status != tt.status || got.UnsubscribeChannel != tt.channel {
			t.Errorf("%s: %s/%s, want %s/%s", got.Email, got.Status, got.UnsubscribeChannel, tt.status, tt.channel)
		}
	}
}
