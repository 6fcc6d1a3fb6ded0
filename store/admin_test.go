package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// storeFile opens a store on a database whose DSN the test also gets, to reach
// tables that another part of Caravan fills.
func storeFile(t *testing.T) (*store.Store, string) {
	t.Helper()
	c := storetest.NewClock(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	return storetest.OpenDSN(t, store.WithClock(c.Now))
}

func rawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	return storetest.DB(t, dsn)
}

func TestListSubscribersFiltersAndPages(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	for i := range 7 {
		in := signup(fmt.Sprintf("user%d@example.org", i))
		if i%2 == 0 {
			in.Countries = []string{"kg"}
		}
		if i == 5 {
			in.Email, in.Countries = "odd_one%@example.org", []string{"kz"}
		}
		if _, err := s.Subscribe(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	var seen []int64
	cursor := int64(0)
	for {
		page, err := s.ListSubscribers(ctx, store.SubscriberFilter{After: cursor, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range page.Subscribers {
			seen = append(seen, sub.ID)
		}
		if page.NextCursor == "" {
			break
		}
		fmt.Sscan(page.NextCursor, &cursor)
	}
	if len(seen) != 7 || seen[0] >= seen[6] {
		t.Fatalf("paged through %v", seen)
	}
	tests := []struct {
		name string
		f    store.SubscriberFilter
		want int
	}{
		{"country kg counts those who chose all", store.SubscriberFilter{Country: "kg"}, 6},
		{"country kz", store.SubscriberFilter{Country: "kz"}, 3},
		{"status", store.SubscriberFilter{Status: "active"}, 0},
		{"frequency", store.SubscriberFilter{Frequency: "daily"}, 7},
		{"text, any case", store.SubscriberFilter{Query: "USER3"}, 1},
		{"percent is literal", store.SubscriberFilter{Query: "%"}, 1},
		{"underscore is literal", store.SubscriberFilter{Query: "_"}, 1},
	}
	for _, tt := range tests {
		page, err := s.ListSubscribers(ctx, tt.f)
		if err != nil || len(page.Subscribers) != tt.want {
			t.Errorf("%s: %d rows, %v", tt.name, len(page.Subscribers), err)
		}
	}
	for _, f := range []store.SubscriberFilter{{Status: "gone"}, {Country: "fr"}, {Frequency: "hourly"}, {Limit: 501}} {
		if _, err := s.ListSubscribers(ctx, f); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: %v", f, err)
		}
	}
}

func TestRecordAndErase(t *testing.T) {
	s, path := storeFile(t)
	ctx := context.Background()
	sub := activeSubscriber(t, s, "gdpr@example.org")
	db := rawDB(t, path)
	var runID int64
	err := db.QueryRow(`INSERT INTO digest_runs (frequency, slot, cutoff, status, heartbeat_at, started_at)
		VALUES ('daily', 1, 1, 'done', 1, 1) RETURNING id`).Scan(&runID)
	if err == nil {
		_, err = db.Exec(`INSERT INTO deliveries (run_id, subscriber_id, status, message_id, articles, attempts, created_at)
			VALUES (?, ?, 'sent', 'digest.x@localhost', 4, 1, 2)`, runID, sub.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.SubscriberRecord(ctx, "GDPR@example.org")
	if err != nil || rec.Subscriber.ID != sub.ID || len(rec.Deliveries) != 1 || len(rec.Mails) != 2 { // confirmation and welcome
		t.Fatalf("record: %+v %v", rec, err)
	}
	if d := rec.Deliveries[0]; d.Frequency != "daily" || d.Articles != 4 || d.MessageID == "" {
		t.Fatalf("delivery: %+v", d)
	}
	if rec.Subscriber.Consent.Method != "form" || rec.Subscriber.Consent.ConfirmedAt.IsZero() {
		t.Fatalf("consent: %+v", rec.Subscriber.Consent)
	}
	found, err := s.Erase(ctx, "gdpr@example.org")
	if err != nil || !found {
		t.Fatalf("erase: %v %v", found, err)
	}
	if _, err := s.SubscriberRecord(ctx, "gdpr@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("still there: %v", err)
	}
	var left int
	db.QueryRow(`SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM outbox)`).Scan(&left)
	if left != 0 {
		t.Fatalf("%d deliveries or mails left after erasure", left)
	}
	var hits int
	db.QueryRow(`SELECT count(*) FROM suppressions WHERE hash LIKE '%gdpr%' OR reason LIKE '%gdpr%'`).Scan(&hits)
	if hits != 0 {
		t.Fatal("the address is stored in clear in the suppression list")
	}
	var history int
	db.QueryRow(`SELECT count(*) FROM consent_events`).Scan(&history)
	if history != 0 {
		t.Fatalf("%d consent events left after erasure", history)
	}
	if found, err := s.Erase(ctx, "gdpr@example.org"); err != nil || found {
		t.Fatalf("second erase: %v %v", found, err)
	}
	// Signing up again through the form asks the person: a confirmation mail;
	// the address stays suppressed until they confirm, and then they are back.
	res, _ := s.Subscribe(ctx, signup("gdpr@example.org"))
	if !res.Created || !res.MailQueued {
		t.Fatalf("erased address signed up again: %+v", res)
	}
	if ok, _ := s.IsSuppressed(ctx, "gdpr@example.org"); !ok {
		t.Fatal("the signup lifted the suppression")
	}
	if back, err := s.ConfirmSignup(ctx, res.SignupID, store.Consent{Method: "link"}); err != nil || back.Status != store.StatusActive {
		t.Fatalf("confirmed: %+v %v", back, err)
	}
	if ok, _ := s.IsSuppressed(ctx, "gdpr@example.org"); ok {
		t.Fatal("still suppressed after the reader confirmed")
	}
}
