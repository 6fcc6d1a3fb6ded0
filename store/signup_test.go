package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func signup(email string) store.Signup {
	return store.Signup{Email: email, Frequency: "daily", Locale: "fr",
		Consent: store.Consent{Method: "form", Source: "https://example.org/a", TextVersion: "v1", IP: "192.0.2.0"}}
}

func TestSubscribeConfirmFlow(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	res, err := s.Subscribe(ctx, signup("Ana@Example.org"))
	if err != nil || !res.Created || !res.MailQueued {
		t.Fatalf("subscribe: %+v %v", res, err)
	}
	// Same person, other case: no new row, one more mail.
	res2, err := s.Subscribe(ctx, signup("ana@example.org"))
	if err != nil || res2.Created || res2.SubscriberID != res.SubscriberID || !res2.MailQueued {
		t.Fatalf("again: %+v %v", res2, err)
	}
	mails, err := s.ClaimMail(ctx, 10, time.Minute)
	if err != nil || len(mails) != 2 || mails[0].Kind != store.MailConfirm {
		t.Fatalf("claim: %+v %v", mails, err)
	}
	// Claimed mail is leased: not handed out twice.
	if again, _ := s.ClaimMail(ctx, 10, time.Minute); len(again) != 0 {
		t.Fatalf("claimed twice: %+v", again)
	}
	c.Add(time.Hour)
	// The first link is confirmed: its spelling is the one mailed from now on.
	sub, err := s.ConfirmSignup(ctx, res.SignupID, store.Consent{Method: "link", IP: "198.51.100.0"})
	if err != nil || sub.Status != store.StatusActive || !sub.DigestSince.Equal(c.Now()) {
		t.Fatalf("confirm: %+v %v", sub, err)
	}
	if sub.Email != "Ana@Example.org" || sub.Consent.Source != "https://example.org/a" {
		t.Fatalf("stored: %+v", sub)
	}
	// Active: the same signup again changes nothing and sends nothing.
	res3, err := s.Subscribe(ctx, signup("Ana@Example.org"))
	if err != nil || res3.MailQueued {
		t.Fatalf("active again: %+v %v", res3, err)
	}
	// Another spelling gets its own confirmation mail, and changes nothing until confirmed.
	res4, err := s.Subscribe(ctx, signup("ANA@example.org"))
	if err != nil || !res4.MailQueued || res4.Created {
		t.Fatalf("active, other spelling: %+v %v", res4, err)
	}
	if got, _ := s.Subscriber(ctx, sub.ID); got.Email != "Ana@Example.org" || got.Status != store.StatusActive {
		t.Fatalf("a signup changed the reader: %+v", got)
	}
}

func TestConfirmationMailsCappedPerDay(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	queued := 0
	for range 10 {
		res, err := s.Subscribe(ctx, signup("flood@example.org"))
		if err != nil {
			t.Fatal(err)
		}
		if res.MailQueued {
			queued++
		}
	}
	if queued != store.MaxConfirmMailsPerDay {
		t.Fatalf("queued %d mails, want %d", queued, store.MaxConfirmMailsPerDay)
	}
	c.Add(24 * time.Hour)
	if res, _ := s.Subscribe(ctx, signup("flood@example.org")); !res.MailQueued {
		t.Fatal("next day: no mail queued")
	}
}

func TestConfirmUnknownIsNotFound(t *testing.T) {
	s, _ := newStore(t)
	if _, err := s.Confirm(context.Background(), 42); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestPurgePending(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	res, _ := s.Subscribe(ctx, signup("old@example.org"))
	c.Add(31 * 24 * time.Hour)
	n, err := s.PurgePending(ctx, 30*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v", n, err)
	}
	if _, err := s.Subscriber(ctx, res.SubscriberID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("still there: %v", err)
	}
}
