package digest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// sharedEnv is a list of n daily subscribers owed a digest, and a slot.
func sharedEnv(t *testing.T, n int) (*env, *smtpServer, time.Time) {
	t.Helper()
	e := newEnv(t)
	srv := startSMTP(t)
	for i := range n {
		e.subscriber(t, fmt.Sprintf("r%04d@example.org", i), "daily", "fr")
	}
	e.clock.Add(time.Hour)
	e.article(t, "regional", e.clock.Now())
	e.clock.Add(time.Hour)
	return e, srv, e.clock.Now()
}

// sharedWorker is a worker that sends runs together with others on the store.
func (e *env) sharedWorker(t *testing.T, url string, n int) *Worker {
	w := e.worker(t, url, n)
	w.Shared, w.StaleAfter = e.st, time.Minute
	return w
}

// Three workers sending one run at once split it: everyone gets one digest,
// and each worker's result tells the run is complete, whether it took part or,
// scheduled late on a busy machine, arrived once the others had finished.
func TestSharedRunIsSplitAmongWorkers(t *testing.T) {
	const n = 1200
	e, srv, slot := sharedEnv(t, n)
	var wg sync.WaitGroup
	results := make([]RunResult, 3)
	for i := range results {
		w := e.sharedWorker(t, srv.url(), 3)
		wg.Go(func() {
			res, err := w.Run(context.Background(), "daily", slot)
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	sent := 0
	for i, r := range results {
		if !r.Complete || r.Run.Status != store.RunDone || (!r.Started && r.This != store.RunCounts{}) {
			t.Errorf("worker %d: %+v", i, r)
		}
		sent += r.This.Sent
	}
	got := srv.byRecipient()
	if sent != n || len(got) != n || len(srv.messages()) != n {
		t.Fatalf("%d sent by the workers, %d recipients, %d messages; want %d each", sent, len(got), len(srv.messages()), n)
	}
	run := results[0].Run
	if run.Sent != n || run.Selected != n {
		t.Fatalf("run counts: %+v", run.RunCounts)
	}
	// The run is done: another start sends nothing.
	again, err := e.sharedWorker(t, srv.url(), 1).Run(context.Background(), "daily", slot)
	if err != nil || again.Started || len(srv.messages()) != n {
		t.Fatalf("after the end: %+v %v", again, err)
	}
}

// A process that claimed subscribers and died holds them until its lease
// expires; the worker still running then sends them, and only then is the
// run done. A temporary failure does not keep the run from ending.
func TestSharedRunTakesOverADeadProcessClaims(t *testing.T) {
	e, srv, slot := sharedEnv(t, 30)
	ctx := context.Background()
	srv.failData("r0029@example.org", func(int) error { return err451 })
	dead, _, err := e.st.JoinRun(ctx, "daily", slot, "dead", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.st.ClaimDue(ctx, dead, "dead", 0, 10, time.Minute); err != nil || len(got) != 10 {
		t.Fatalf("the dead process's claims: %d %v", len(got), err)
	}
	w := e.sharedWorker(t, srv.url(), 2)
	w.Tries = 1
	done := make(chan RunResult)
	go func() {
		res, err := w.Run(ctx, "daily", slot)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	// The worker sends the 20 it can claim, then waits for the other ten.
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.messages()) < 19 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case res := <-done:
		t.Fatalf("the run ended with the dead process's claims still live: %+v", res)
	case <-time.After(3 * sharedPoll):
	}
	if got := len(srv.messages()); got != 19 {
		t.Fatalf("%d messages before the takeover, want 19", got)
	}
	e.clock.Add(time.Minute + time.Second) // the dead process's lease runs out
	res := <-done
	if !res.Complete || res.Run.Status != store.RunDone || res.Run.Sent != 29 || res.Run.FailedTemp != 1 {
		t.Fatalf("run: %+v", res)
	}
	if got := srv.byRecipient(); len(got) != 29 || len(srv.messages()) != 29 {
		t.Fatalf("received %v", got)
	}
}
