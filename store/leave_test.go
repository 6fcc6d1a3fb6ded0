package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// activeSubscriber signs email up and confirms it.
func activeSubscriber(t *testing.T, s *store.Store, email string) store.Subscriber {
	t.Helper()
	ctx := context.Background()
	res, err := s.Subscribe(ctx, signup(email))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := s.Confirm(ctx, res.SubscriberID)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestUnsubscribeIsImmediateAndIdempotent(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	sub := activeSubscriber(t, s, "ana@example.org")
	got, changed, err := s.Unsubscribe(ctx, sub.ID, store.ChannelOneClick)
	if err != nil || !changed || got.Status != store.StatusUnsubscribed || got.UnsubscribeChannel != "one-click" {
		t.Fatalf("first: %+v %v %v", got, changed, err)
	}
	got, changed, err = s.Unsubscribe(ctx, sub.ID, store.ChannelLink)
	if err != nil || changed || got.UnsubscribeChannel != "one-click" {
		t.Fatalf("second: %+v %v %v", got, changed, err)
	}
	if _, _, err := s.Unsubscribe(ctx, 999, store.ChannelLink); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	m, err := s.Metrics(ctx)
	if err != nil || m.Events["unsubscribe.one-click"] != 1 || m.Events["unsubscribe"] != 1 {
		t.Fatalf("counted: %v %v", m.Events, err)
	}
}

func TestUnsubscribeDropsQueuedMail(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	res, _ := s.Subscribe(ctx, signup("pending@example.org"))
	if _, _, err := s.Unsubscribe(ctx, res.SubscriberID, store.ChannelAdmin); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.QueuedMail(ctx); n != 0 {
		t.Fatalf("%d mails still queued for someone who left", n)
	}
}

func TestAdminUnsubscribeUnknownAddressSuppressesIt(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	found, err := s.UnsubscribeEmail(ctx, "Nobody@Example.org", store.ChannelAdmin)
	if err != nil || found {
		t.Fatalf("unknown: %v %v", found, err)
	}
	if ok, _ := s.IsSuppressed(ctx, "nobody@example.org"); !ok {
		t.Fatal("unknown address not suppressed")
	}
	// A signup through the form asks the reader: a confirmation mail, and the
	// suppression stays until they confirm.
	res, err := s.Subscribe(ctx, signup("nobody@example.org"))
	if err != nil || !res.MailQueued {
		t.Fatalf("suppressed address signed up: %+v %v", res, err)
	}
	if ok, _ := s.IsSuppressed(ctx, "nobody@example.org"); !ok {
		t.Fatal("a signup lifted the suppression")
	}
	if _, err := s.ConfirmSignup(ctx, res.SignupID, store.Consent{Method: "link"}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.IsSuppressed(ctx, "nobody@example.org"); ok {
		t.Fatal("the reader's confirmation left the suppression")
	}
	sub := activeSubscriber(t, s, "known@example.org")
	if found, err := s.UnsubscribeEmail(ctx, "KNOWN@example.org", store.ChannelAdmin); err != nil || !found {
		t.Fatalf("known: %v %v", found, err)
	}
	if got, _ := s.Subscriber(ctx, sub.ID); got.Status != store.StatusUnsubscribed || got.UnsubscribeChannel != "admin" {
		t.Fatalf("known not unsubscribed: %+v", got)
	}
}

func TestResubscribeFromLink(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	sub := activeSubscriber(t, s, "back@example.org")
	s.Unsubscribe(ctx, sub.ID, store.ChannelLink)
	c.Add(time.Hour)
	got, err := s.Resubscribe(ctx, sub.ID, store.Consent{Method: "resubscribe", Source: "unsubscribe page", IP: "192.0.2.0/24"})
	if err != nil || got.Status != store.StatusActive || !got.DigestSince.Equal(c.Now()) || got.Consent.Method != "resubscribe" {
		t.Fatalf("resubscribe: %+v %v", got, err)
	}
	if got.UnsubscribeChannel != "" || !got.UnsubscribedAt.IsZero() {
		t.Fatalf("departure kept: %+v", got)
	}
	if _, err := s.Bounce(ctx, "back@example.org", store.BounceHard); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resubscribe(ctx, sub.ID, store.Consent{Method: "resubscribe"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("bounced came back: %v", err)
	}
}

func TestUpdatePreferences(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	sub := activeSubscriber(t, s, "prefs@example.org")
	c.Add(24 * time.Hour)
	got, err := s.UpdatePreferences(ctx, sub.ID, store.Preferences{Countries: []string{"tj", "KG"}, Frequency: "weekly", Locale: "en"})
	if err != nil || got.Frequency != "weekly" || got.Locale != "en" || len(got.Countries) != 2 || got.Countries[0] != "kg" {
		t.Fatalf("update: %+v %v", got, err)
	}
	if !got.LastActivityAt.Equal(c.Now()) {
		t.Fatalf("activity not recorded: %v", got.LastActivityAt)
	}
	for name, p := range map[string]store.Preferences{
		"country":   {Countries: []string{"fr"}, Frequency: "daily", Locale: "fr"},
		"frequency": {Frequency: "hourly", Locale: "fr"},
		"locale":    {Frequency: "daily", Locale: "de"},
	} {
		if _, err := s.UpdatePreferences(ctx, sub.ID, p); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := s.UpdatePreferences(ctx, 999, store.Preferences{Frequency: "daily", Locale: "fr"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
}
