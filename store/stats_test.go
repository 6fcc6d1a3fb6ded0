package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestStatsCountsByStatusCountryFrequencyAndDay(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	kg := signup("kg@example.org")
	kg.Countries = []string{"kg"}
	res, _ := s.Subscribe(ctx, kg)
	s.Confirm(ctx, res.SubscriberID)
	c.Add(24 * time.Hour)
	all := activeSubscriber(t, s, "all@example.org")
	s.UpdatePreferences(ctx, all.ID, store.Preferences{Frequency: "weekly", Locale: "fr"})
	gone := activeSubscriber(t, s, "gone@example.org")
	s.Unsubscribe(ctx, gone.ID, store.ChannelLink)
	s.Subscribe(ctx, signup("waiting@example.org"))

	st, err := s.Stats(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"pending": 1, "active": 2, "unsubscribed": 1, "bounced": 0}
	for k, v := range want {
		if st.ByStatus[k] != v {
			t.Errorf("status %s: %d, want %d", k, st.ByStatus[k], v)
		}
	}
	if st.ByCountry["kg"] != 1 || st.ByCountry["all"] != 1 || st.ByCountry["kz"] != 0 {
		t.Errorf("countries: %v", st.ByCountry)
	}
	if st.ByFrequency["daily"] != 1 || st.ByFrequency["weekly"] != 1 {
		t.Errorf("frequencies: %v", st.ByFrequency)
	}
	if len(st.Days) != 7 || st.Days[6].Day != "2026-11-28" {
		t.Fatalf("days: %+v", st.Days)
	}
	yesterday, today := st.Days[5], st.Days[6]
	if yesterday.Signups != 1 || yesterday.Confirmations != 1 || today.Signups != 3 || today.Confirmations != 2 || today.Unsubscribes != 1 {
		t.Errorf("per day: %+v %+v", yesterday, today)
	}
}

func TestMetricsReadTheTables(t *testing.T) {
	s, path := storeFile(t)
	ctx := context.Background()
	sub := activeSubscriber(t, s, "m@example.org")
	s.Unsubscribe(ctx, sub.ID, store.ChannelOneClick)
	db := rawDB(t, path)
	_, err := db.Exec(`INSERT INTO digest_runs (frequency, slot, cutoff, status, heartbeat_at, started_at, finished_at, sent, failed_perm)
		VALUES ('daily', 1, 1, 'done', 1, 1000, 31000, 40, 2);
		INSERT INTO feeds (url) VALUES ('https://example.org/feed');
		UPDATE feeds SET last_error = 'boom', last_error_at = 1764230400000;
		UPDATE feeds SET last_error = 'boom', last_error_at = 1764230500000;`)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Events["signup"] != 1 || m.Events["confirm"] != 1 || m.Events["unsubscribe.one-click"] != 1 {
		t.Errorf("events: %v", m.Events)
	}
	if m.Events["feed_poll_error"] != 2 || m.Feeds != 1 || m.FeedsFailing != 1 {
		t.Errorf("feeds: %v %d %d", m.Events, m.Feeds, m.FeedsFailing)
	}
	if len(m.Runs) != 1 || m.Runs[0].Sent != 40 || m.Runs[0].FailedPerm != 2 || m.RunDurations["daily"][0] != 30 {
		t.Errorf("runs: %+v %v", m.Runs, m.RunDurations)
	}
	if len(m.Outbox) != 0 || m.Subscribers["unsubscribed"] != 1 { // the unsent confirmation was dropped
		t.Errorf("outbox %v, subscribers %v", m.Outbox, m.Subscribers)
	}
}
