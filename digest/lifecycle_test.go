package digest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// Readers who leave while their page of the run is being sent get nothing
// from it once their departure is committed: unsubscribed, erased or bounced
// hard, they are checked right before their send, and counted as withheld.
func TestRunSendsNothingToReadersWhoLeaveDuringIt(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			e := newEnv(t)
			srv := startSMTP(t)
			ctx := context.Background()
			var subs []store.Subscriber
			for i := range 40 {
				subs = append(subs, e.subscriber(t, fmt.Sprintf("r%02d@example.org", i), "daily", "fr"))
			}
			e.clock.Add(time.Hour)
			e.article(t, "news", e.clock.Now())
			e.clock.Add(time.Hour)
			var once sync.Once
			srv.onAccept(func(int) { // the first digest is out: the page of 40 is in memory
				once.Do(func() {
					if _, _, err := e.st.Unsubscribe(ctx, subs[20].ID, store.ChannelLink); err != nil {
						t.Error(err)
					}
					if _, err := e.st.Erase(ctx, subs[21].Email); err != nil {
						t.Error(err)
					}
					if _, err := e.st.Bounce(ctx, subs[22].Email, store.BounceHard); err != nil {
						t.Error(err)
					}
				})
			})
			w := e.worker(t, srv.url(), 1)
			if shared {
				w.Shared, w.StaleAfter = e.st, time.Minute
			}
			res, err := w.Run(ctx, "daily", e.clock.Now())
			if err != nil || !res.Complete {
				t.Fatalf("run: %+v %v", res, err)
			}
			got := srv.byRecipient()
			for _, sub := range subs[20:23] {
				if got[sub.Email] != 0 {
					t.Errorf("%s left during the run and still got its digest", sub.Email)
				}
			}
			if len(got) != 37 {
				t.Errorf("%d readers got a digest, want 37", len(got))
			}
			// The erased reader leaves no trace; the two others are withheld in the ledger.
			if res.Run.Sent != 37 || res.Run.Withheld != 2 {
				t.Errorf("run counts %+v, want 37 sent and 2 withheld", res.Run.RunCounts)
			}
		})
	}
}

// A weekly reader who switches to daily while a daily run is under way is
// owed every article since their last weekly digest: the run loads it when
// their page comes, instead of clipping them to the window of the daily
// readers it guessed at its start.
func TestRunServesAWeeklyReaderSwitchingToDaily(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	for i := range pageSize + 20 { // the switcher comes in the second page
		e.subscriber(t, fmt.Sprintf("d%04d@example.org", i), "daily", "fr")
	}
	switcher := e.subscriber(t, "switcher@example.org", "weekly", "fr")
	e.clock.Add(time.Hour)
	e.article(t, "older", e.clock.Now())
	e.clock.Add(time.Hour)
	w := e.worker(t, srv.url(), 1)
	if res, err := w.Run(ctx, "daily", e.clock.Now()); err != nil || res.Run.Sent != pageSize+20 {
		t.Fatalf("first daily run: %+v %v", res, err)
	}
	e.clock.Add(time.Hour)
	e.article(t, "newer", e.clock.Now())
	e.clock.Add(23 * time.Hour)
	var once sync.Once
	srv.onAccept(func(int) {
		once.Do(func() {
			if _, err := e.st.UpdatePreferences(ctx, switcher.ID, store.Preferences{Frequency: "daily", Locale: "fr"}); err != nil {
				t.Error(err)
			}
		})
	})
	res, err := w.Run(ctx, "daily", e.clock.Now())
	if err != nil || res.Run.Sent != pageSize+21 {
		t.Fatalf("second daily run: %+v %v", res, err)
	}
	text, _ := parts(t, messageTo(t, srv, "switcher@example.org"))
	if !strings.Contains(text, "Title older") || !strings.Contains(text, "Title newer") {
		t.Errorf("the switcher's digest lacks what they were owed:\n%s", text)
	}
}

// windowLog is the store, noting the start of every article window a run loads.
type windowLog struct {
	*store.Store
	mu    sync.Mutex
	froms []time.Time
}

func (l *windowLog) DigestArticles(ctx context.Context, from, until time.Time) ([]store.Article, error) {
	l.mu.Lock()
	l.froms = append(l.froms, from)
	l.mu.Unlock()
	return l.Store.DigestArticles(ctx, from, until)
}

// A reader whose mail fails temporarily for ever keeps their old start, but
// does not pin every later run's article window to it: no run reads articles
// older than Reach, and retry passes run until the slot ends.
func TestAReaderFailingForEverDoesNotPinTheWindow(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	e.subscriber(t, "down@example.org", "daily", "fr")
	e.subscriber(t, "fine@example.org", "daily", "fr")
	srv.failData("down@example.org", func(int) error { return err451 })
	log := &windowLog{Store: e.st}
	w := e.worker(t, srv.url(), 2)
	w.Store, w.Tries = log, 1
	for day := range 40 {
		e.clock.Add(time.Hour)
		e.article(t, fmt.Sprintf("day%02d", day), e.clock.Now())
		e.clock.Add(23 * time.Hour)
		res, err := w.Run(ctx, "daily", e.clock.Now())
		if err != nil || !res.Run.Retrying() || res.Run.FailedTemp != 1 {
			t.Fatalf("day %d: %+v %v", day, res, err)
		}
		for _, from := range log.froms {
			if from.Before(res.Run.Cutoff.Add(-Reach)) {
				t.Fatalf("day %d: the run read articles from %s, more than %s before its cutoff %s",
					day, from, Reach, res.Run.Cutoff)
			}
		}
		log.froms = nil
	}
	down, _ := e.st.SubscriberByEmail(ctx, "down@example.org")
	if got := srv.byRecipient(); got["down@example.org"] != 0 || got["fine@example.org"] != 40 || down.Status != store.StatusActive {
		t.Fatalf("received %v, down is %s", got, down.Status)
	}
}

// A run done with temporary failures left is retried by a later pass of the
// same slot once its backoff has passed, on both protocols; a start before
// then sends nothing.
func TestRetryPassSendsTemporaryFailuresAgain(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			e := newEnv(t)
			srv := startSMTP(t)
			ctx := context.Background()
			for _, name := range []string{"ok", "down1", "down2"} {
				e.subscriber(t, name+"@example.org", "daily", "fr")
			}
			srv.failData("down1@example.org", func(int) error { return err451 })
			srv.failData("down2@example.org", func(int) error { return err451 })
			e.clock.Add(time.Hour)
			e.article(t, "news", e.clock.Now())
			e.clock.Add(time.Hour)
			slot := e.clock.Now()
			w := e.worker(t, srv.url(), 2)
			w.Tries = 1
			if shared {
				w.Shared, w.StaleAfter = e.st, time.Minute
			}
			res, err := w.Run(ctx, "daily", slot)
			if err != nil || !res.Complete || !res.Run.Retrying() || res.Run.FailedTemp != 2 || res.Run.Retries != 1 ||
				!res.Run.RetryAt.Equal(e.clock.Now().Add(store.RetryBackoff(1))) {
				t.Fatalf("first pass: %+v %v", res, err)
			}
			if early, err := w.Run(ctx, "daily", slot); err != nil || early.Started {
				t.Fatalf("a start before the retry is due: %+v %v", early, err)
			}
			srv.failData("down1@example.org", nil)
			e.clock.Add(store.RetryBackoff(1))
			res, err = w.Run(ctx, "daily", slot)
			if err != nil || !res.Started || res.This.Sent != 1 || res.Run.Sent != 2 || res.Run.FailedTemp != 1 ||
				res.Run.Retries != 2 || !res.Run.RetryAt.Equal(e.clock.Now().Add(store.RetryBackoff(2))) {
				t.Fatalf("second pass: %+v %v", res, err)
			}
			srv.failData("down2@example.org", nil)
			e.clock.Add(store.RetryBackoff(2))
			res, err = w.Run(ctx, "daily", slot)
			if err != nil || res.Run.Sent != 3 || res.Run.FailedTemp != 0 || res.Run.Retrying() || res.Run.Selected != 3 {
				t.Fatalf("third pass: %+v %v", res, err)
			}
			if got := srv.byRecipient(); len(got) != 3 || got["ok@example.org"] != 1 || got["down1@example.org"] != 1 {
				t.Fatalf("received %v", got)
			}
		})
	}
}
