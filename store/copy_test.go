package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// TestCopySQLiteToPostgres fills a SQLite database through the store, copies
// it into PostgreSQL, and checks that every table came across with its ids,
// that the suppression list and settings still work, and that no id is ever
// given out again, not even one of a row erased before the copy.
func TestCopySQLiteToPostgres(t *testing.T) {
	target := storetest.PostgresSchema(t)
	ctx := context.Background()
	c := storetest.NewClock(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	src := filepath.Join(t.TempDir(), "caravan.db")
	s, err := store.Open(ctx, src, store.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	var subs []store.Subscriber
	for i := range 1203 { // more than two pages
		subs = append(subs, activeSubscriber(t, s, fmt.Sprintf("reader%d@example.org", i)))
	}
	if _, err := s.Subscribe(ctx, signup("pending@example.org")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Unsubscribe(ctx, subs[1].ID, store.ChannelLink); err != nil {
		t.Fatal(err)
	}
	last, err := s.Subscribe(ctx, signup("erased@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Erase(ctx, "erased@example.org"); err != nil { // the highest id is gone, not forgotten
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "secret", "s3cret"); err != nil {
		t.Fatal(err)
	}
	feeds, err := s.EnsureFeeds(ctx, []string{"https://example.org/feed"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FeedPolled(ctx, feeds[0].ID, "", "", errors.New("boom"), 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpsertArticles(ctx, feeds[0].ID, []store.ArticleInput{
		{URL: "https://example.org/a", Title: "A", Countries: []string{"kg"}}}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Hour)
	run, _, err := s.StartRun(ctx, "daily", c.Now(), "test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordDeliveries(ctx, run.ID, []store.Delivery{
		{SubscriberID: subs[0].ID, Status: store.DeliverySent, MessageID: "m0@x", Articles: 1, Attempts: 1},
		{SubscriberID: subs[2].ID, Status: store.DeliveryFailedTemp, Attempts: 3, Error: "451"},
	}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	counts, err := store.Copy(ctx, src, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"subscribers": 1204, "suppressions": 2 /* the one who left, the one erased */, "feeds": 1, "articles": 1, "digest_runs": 1,
		"deliveries": 2, "outbox": 2405} // outbox: confirmations and welcomes; the one who left and the one erased lost theirs
	for _, c := range counts {
		if w, ok := want[c.Table]; ok && c.Rows != w {
			t.Errorf("%s: %d rows copied, want %d", c.Table, c.Rows, w)
		}
	}

	pg, err := store.Open(ctx, target, store.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	for i, status := range map[int]string{0: store.StatusActive, 1: store.StatusUnsubscribed, 1202: store.StatusActive} {
		got, err := pg.SubscriberByEmail(ctx, subs[i].Email)
		if err != nil || got.ID != subs[i].ID || got.Status != status {
			t.Errorf("subscriber %d: %+v %v", i, got, err)
		}
	}
	if ok, err := pg.IsSuppressed(ctx, "erased@example.org"); err != nil || !ok {
		t.Errorf("erased address not suppressed after the copy: %v %v", ok, err)
	}
	if v, err := pg.Setting(ctx, "secret"); err != nil || v != "s3cret" {
		t.Errorf("secret: %q %v", v, err)
	}
	rec, err := pg.SubscriberRecord(ctx, subs[0].Email)
	if err != nil || len(rec.Deliveries) != 1 || rec.Deliveries[0].MessageID != "m0@x" || len(rec.Mails) != 2 {
		t.Errorf("record: %+v %v", rec, err)
	}
	after, err := pg.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after.Events) != fmt.Sprint(before.Events) || fmt.Sprint(after.Subscribers) != fmt.Sprint(before.Subscribers) {
		t.Errorf("metrics: before %v %v, after %v %v", before.Events, before.Subscribers, after.Events, after.Subscribers)
	}
	res, err := pg.Subscribe(ctx, signup("new@example.org"))
	if err != nil || res.SubscriberID != last.SubscriberID+1 {
		t.Errorf("first id after the copy: %d %v, want %d", res.SubscriberID, err, last.SubscriberID+1)
	}
	if _, _, err := pg.UpsertArticles(ctx, 0, []store.ArticleInput{{URL: "https://example.org/b", Title: "B"}}); err != nil {
		t.Errorf("article after the copy: %v", err)
	}

	if _, err := store.Copy(ctx, src, target, nil); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("copy into a filled database: %v", err)
	}
}
