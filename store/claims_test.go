package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// ids lists the subscribers' ids.
func ids(subs []store.Subscriber) []int64 {
	var out []int64
	for _, s := range subs {
		out = append(out, s.ID)
	}
	return out
}

func TestSharedRunClaimsAndTakeover(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	var subs []store.Subscriber
	for i := range 5 {
		subs = append(subs, activeSub(t, s, fmt.Sprintf("r%d@example.org", i), "daily"))
	}
	activeSub(t, s, "weekly@example.org", "weekly")
	c.Add(time.Minute)
	const lease = time.Minute
	runA, started, err := s.JoinRun(ctx, "daily", slot7, "a", time.Minute)
	if err != nil || !started || runA.Owner != "a" {
		t.Fatalf("a joins: %+v %v %v", runA, started, err)
	}
	c.Add(time.Second)
	runB, started, err := s.JoinRun(ctx, "daily", slot7, "b", time.Minute)
	if err != nil || !started || runB.ID != runA.ID || runB.Owner != "b" || !runB.Cutoff.Equal(runA.Cutoff) {
		t.Fatalf("b joins: %+v %v %v", runB, started, err)
	}

	gotA, err := s.ClaimDue(ctx, runA, "a", 0, 3, lease)
	if err != nil || fmt.Sprint(ids(gotA)) != fmt.Sprint(ids(subs[:3])) {
		t.Fatalf("a claims %v %v", ids(gotA), err)
	}
	gotB, err := s.ClaimDue(ctx, runB, "b", 0, 3, lease) // from 0: a's live claims are skipped
	if err != nil || fmt.Sprint(ids(gotB)) != fmt.Sprint(ids(subs[3:])) {
		t.Fatalf("b claims %v %v", ids(gotB), err)
	}
	if more, err := s.ClaimDue(ctx, runA, "a", 0, 3, lease); err != nil || len(more) != 0 {
		t.Fatalf("nothing left to claim: %v %v", ids(more), err)
	}
	if n, err := s.RemainingDue(ctx, runA); err != nil || n != 5 {
		t.Fatalf("remaining %d %v", n, err)
	}

	// a sends its three, one of them failing for now: that one waits for the next run.
	err = s.RecordDeliveries(ctx, runA.ID, []store.Delivery{
		{SubscriberID: subs[0].ID, Status: store.DeliverySent, MessageID: "m0", Attempts: 1},
		{SubscriberID: subs[1].ID, Status: store.DeliveryEmpty},
		{SubscriberID: subs[2].ID, Status: store.DeliveryFailedTemp, Attempts: 3, Error: "451"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.RemainingDue(ctx, runA); n != 2 {
		t.Fatalf("remaining after a's batch: %d", n)
	}
	if _, done, err := s.CompleteRun(ctx, runA.ID); err != nil || done {
		t.Fatalf("complete while b holds two: %v %v", done, err)
	}

	// a keeps its lease alive; b dies. Past the lease, a takes b's two over.
	c.Add(lease / 2)
	if _, err := s.RenewClaims(ctx, runA.ID, "a", lease); err != nil {
		t.Fatal(err)
	}
	if more, _ := s.ClaimDue(ctx, runA, "a", 0, 10, lease); len(more) != 0 {
		t.Fatalf("b's claims taken before they expired: %v", ids(more))
	}
	c.Add(lease/2 + time.Millisecond)
	took, err := s.ClaimDue(ctx, runA, "a", 0, 10, lease)
	if err != nil || fmt.Sprint(ids(took)) != fmt.Sprint(ids(subs[3:])) {
		t.Fatalf("a takes over %v %v", ids(took), err)
	}
	if err := s.RecordDeliveries(ctx, runA.ID, []store.Delivery{
		{SubscriberID: subs[3].ID, Status: store.DeliverySent, Attempts: 1},
		{SubscriberID: subs[4].ID, Status: store.DeliverySent, Attempts: 1},
	}); err != nil {
		t.Fatal(err)
	}
	run, done, err := s.CompleteRun(ctx, runA.ID)
	if err != nil || !done || run.Status != store.RunDone || run.Sent != 3 || run.FailedTemp != 1 || run.Selected != 5 {
		t.Fatalf("complete: %+v %v %v", run, done, err)
	}
	if _, err := s.ClaimDue(ctx, runA, "b", 0, 10, lease); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("claim on a done run: %v", err)
	}
	if _, err := s.RenewClaims(ctx, runA.ID, "b", lease); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("renew on a done run: %v", err)
	}
	if _, started, err := s.JoinRun(ctx, "daily", slot7, "c", time.Minute); err != nil || started {
		t.Fatalf("join a done run: %v %v", started, err)
	}
}

func TestReleasedClaimsAreTakenAtOnce(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	for i := range 4 {
		activeSub(t, s, fmt.Sprintf("r%d@example.org", i), "daily")
	}
	c.Add(time.Minute)
	run, _, err := s.JoinRun(ctx, "daily", slot7, "a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimDue(ctx, run, "a", 0, 10, time.Hour); err != nil || len(got) != 4 {
		t.Fatalf("a claims %v %v", ids(got), err)
	}
	if err := s.ReleaseClaims(ctx, run.ID, "a"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimDue(ctx, run, "b", 0, 10, time.Hour); err != nil || len(got) != 4 {
		t.Fatalf("b after a let go: %v %v", ids(got), err)
	}
}

// A run silent for the lease has no live process: joining it frees every claim.
func TestJoiningAStaleRunFreesItsClaims(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	for i := range 3 {
		activeSub(t, s, fmt.Sprintf("r%d@example.org", i), "daily")
	}
	c.Add(time.Minute)
	run, _, err := s.JoinRun(ctx, "daily", slot7, "a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimDue(ctx, run, "a", 0, 10, time.Hour); err != nil || len(got) != 3 {
		t.Fatalf("a claims %v %v", ids(got), err)
	}
	c.Add(30 * time.Second)
	b, _, err := s.JoinRun(ctx, "daily", slot7, "b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClaimDue(ctx, b, "b", 0, 10, time.Hour); len(got) != 0 {
		t.Fatalf("b took a's claims while a's heartbeat is fresh: %v", ids(got))
	}
	c.Add(2 * time.Minute) // everyone went silent, leases or not
	b, _, err = s.JoinRun(ctx, "daily", slot7, "b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimDue(ctx, b, "b", 0, 10, time.Hour); err != nil || len(got) != 3 {
		t.Fatalf("b after the silence: %v %v", ids(got), err)
	}
}

// Processes claiming at once get disjoint batches that together cover everyone.
func TestConcurrentClaimsAreDisjoint(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	const n = 300
	for i := range n {
		activeSub(t, s, fmt.Sprintf("r%d@example.org", i), "daily")
	}
	c.Add(time.Minute)
	run, _, err := s.JoinRun(ctx, "daily", slot7, "setup", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		owner := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			after := int64(0)
			for {
				got, err := s.ClaimDue(ctx, run, owner, after, 7, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				after = got[len(got)-1].ID
				mu.Lock()
				for _, sub := range got {
					if prev, ok := seen[sub.ID]; ok {
						errs <- fmt.Errorf("subscriber %d claimed by %s and %s", sub.ID, prev, owner)
					}
					seen[sub.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != n {
		t.Fatalf("%d of %d subscribers claimed", len(seen), n)
	}
}

// Of several processes starting one run at once, or taking over a stale one
// at once, exactly one gets it.
func TestStartRunRace(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	race := func(round string) (winners int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				_, started, err := s.StartRun(ctx, "daily", slot7, fmt.Sprintf("%s-%d", round, i), time.Minute)
				if err != nil {
					t.Error(err)
				}
				if started {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return winners
	}
	if n := race("start"); n != 1 {
		t.Fatalf("%d processes started the run", n)
	}
	c.Add(2 * time.Minute) // its owner went silent
	if n := race("takeover"); n != 1 {
		t.Fatalf("%d processes took the stale run over", n)
	}
}

// The claims of a process that died are found without walking the list: they
// are taken over once expired, or dropped when their subscriber left since;
// OpenClaims counts what is taken and unfinished.
func TestClaimExpiredTakesOverOrDrops(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	var subs []store.Subscriber
	for i := range 4 {
		subs = append(subs, activeSub(t, s, fmt.Sprintf("r%d@example.org", i), "daily"))
	}
	c.Add(time.Minute)
	run, _, err := s.JoinRun(ctx, "daily", slot7, "dead", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClaimDue(ctx, run, "dead", 0, 3, time.Minute); err != nil || len(got) != 3 {
		t.Fatalf("dead claims %v %v", ids(got), err)
	}
	if n, err := s.OpenClaims(ctx, run); err != nil || n != 3 {
		t.Fatalf("open claims %d %v", n, err)
	}
	if err := s.RecordDeliveries(ctx, run.ID, []store.Delivery{{SubscriberID: subs[0].ID, Status: store.DeliverySent}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Unsubscribe(ctx, subs[1].ID, store.ChannelLink); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.OpenClaims(ctx, run); n != 2 {
		t.Fatalf("open claims after one outcome: %d", n)
	}
	if got, err := s.ClaimExpired(ctx, run, "live", 10, time.Minute); err != nil || len(got) != 0 {
		t.Fatalf("live claims taken over: %v %v", ids(got), err)
	}
	c.Add(time.Minute)
	got, err := s.ClaimExpired(ctx, run, "live", 10, time.Minute)
	if err != nil || fmt.Sprint(ids(got)) != fmt.Sprint([]int64{subs[2].ID}) {
		t.Fatalf("taken over %v %v, want only %d (the one who left is dropped)", ids(got), err, subs[2].ID)
	}
	if n, _ := s.OpenClaims(ctx, run); n != 1 {
		t.Fatalf("open claims after the takeover: %d", n)
	}
	// The fourth was never claimed: walking forward finds it.
	if rest, err := s.ClaimDue(ctx, run, "live", subs[2].ID, 10, time.Minute); err != nil || len(rest) != 1 || rest[0].ID != subs[3].ID {
		t.Fatalf("rest %v %v", ids(rest), err)
	}
}
