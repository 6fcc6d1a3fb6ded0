package digest

import (
	"context"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// TestArticleArrivingBehindACutoffIsNotLost: an article stored after a run
// started, by a clock that reads earlier than that run's cutoff (stepped back
// by NTP, or another instance's clock running behind), was stamped inside the
// run's window, after the run had loaded it, and so belonged to no run. It
// must reach the reader in the next run.
func TestArticleArrivingBehindACutoffIsNotLost(t *testing.T) {
	cases := []struct {
		name string
		// writer returns the store the articles go through, given the one the runs use.
		writer func(t *testing.T, e *env, dsn string) (*store.Store, *clock)
	}{
		{"clock stepped back", func(t *testing.T, e *env, _ string) (*store.Store, *clock) {
			e.clock.Add(-10 * time.Minute)
			return e.st, e.clock
		}},
		{"instances with skewed clocks", func(t *testing.T, e *env, dsn string) (*store.Store, *clock) {
			behind := storetest.NewClock(e.clock.Now().Add(-10 * time.Minute))
			st, err := store.Open(context.Background(), dsn, store.WithClock(behind.Now))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st, behind
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t)
			e := newEnv(t)
			e.st = openAt(t, dsn, e.clock)
			srv := startSMTP(t)
			w := e.worker(t, srv.url(), 1)
			e.subscriber(t, "ana@example.org", "daily", "fr")
			e.clock.Add(time.Hour)
			e.article(t, "first", e.clock.Now())
			e.clock.Add(time.Hour)
			if res, err := w.Run(ctx, "daily", e.clock.Now()); err != nil || res.This.Sent != 1 {
				t.Fatalf("first run: %+v, %v", res, err)
			}
			cutoff := e.clock.Now()

			st, _ := tc.writer(t, e, dsn)
			if _, _, err := st.UpsertArticles(ctx, 0, []store.ArticleInput{{GUID: "late", URL: "https://news.example/late",
				Title: "Arrived after the run, by a clock behind it"}}); err != nil {
				t.Fatal(err)
			}
			list, err := e.st.Articles(ctx, 10)
			if err != nil || len(list) != 2 || list[0].GUID != "late" || list[0].ArrivedAt.Before(cutoff) {
				t.Errorf("articles %+v (%v): the late one must arrive after the cutoff %v", list, err, cutoff)
			}

			e.clock.Add(24*time.Hour + 10*time.Minute)
			if res, err := w.Run(ctx, "daily", e.clock.Now()); err != nil || res.This.Sent != 1 {
				t.Fatalf("next run: %+v, %v (the late article is in no run)", res, err)
			}
			if got := srv.byRecipient()["ana@example.org"]; got != 2 {
				t.Fatalf("ana got %d digests, want 2", got)
			}
		})
	}
}

// openAt opens the database at dsn with clock c, closed when t ends.
func openAt(t *testing.T, dsn string, c *clock) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn, store.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
