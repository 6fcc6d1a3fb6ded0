package digest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer"
)

// TestOneRateCeilingForTheProcess runs a daily and a weekly digest at the
// same time in one process, through one relay capped at 40 messages a second,
// as a scheduler firing both at the same minute does. The ceiling holds for
// the two together: each run had its own limiter, and the relay saw twice the
// rate. (A lower bound on the time taken: a busy machine only makes it longer.)
func TestOneRateCeilingForTheProcess(t *testing.T) {
	const perRun, perSecond = 30, 40.0
	e := newEnv(t)
	srv := startSMTP(t)
	var (
		mu       sync.Mutex
		accepted []time.Time
	)
	srv.onAccept(func(int) {
		mu.Lock()
		accepted = append(accepted, time.Now())
		mu.Unlock()
	})
	for i := range perRun {
		e.subscriber(t, fmt.Sprintf("d%02d@example.org", i), "daily", "fr")
		e.subscriber(t, fmt.Sprintf("w%02d@example.org", i), "weekly", "fr")
	}
	e.clock.Add(time.Hour)
	e.article(t, "kg1", e.clock.Now(), "kg")
	e.clock.Add(time.Hour)

	w := e.worker(t, srv.url(), 4)
	w.Limiter = mailer.NewLimiter(perSecond)
	var wg sync.WaitGroup
	for _, f := range []string{"daily", "weekly"} {
		wg.Go(func() {
			if res, err := w.Run(context.Background(), f, e.clock.Now()); err != nil || res.This.Sent != perRun {
				t.Errorf("%s run: %+v, %v", f, res, err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(accepted) != 2*perRun {
		t.Fatalf("relay accepted %d messages, want %d", len(accepted), 2*perRun)
	}
	span := accepted[len(accepted)-1].Sub(accepted[0])
	// One limiter: the 60 messages take at least 59/40 s, less the first send's own time.
	if least := 8 * time.Duration(2*perRun-1) * time.Second / (10 * perSecond); span < least {
		t.Fatalf("%d messages in %v: the relay saw more than %v a second (at least %v expected)", len(accepted), span, perSecond, least)
	}
	t.Logf("%d messages of two runs at once under a %v/s ceiling: %v", len(accepted), perSecond, span)
}
