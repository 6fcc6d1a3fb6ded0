package digest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/caravan-news/caravan/store"
)

// SharedStore is what a worker needs of persistence to send runs together
// with other processes on one database (PostgreSQL): see store.JoinRun.
type SharedStore interface {
	JoinRun(ctx context.Context, frequency string, slot time.Time, owner string, staleAfter time.Duration) (store.Run, bool, error)
	ClaimDue(ctx context.Context, run store.Run, owner string, afterID int64, limit int, lease time.Duration) ([]store.Subscriber, error)
	ClaimExpired(ctx context.Context, run store.Run, owner string, limit int, lease time.Duration) ([]store.Subscriber, error)
	ClaimOwners(ctx context.Context, runID int64) ([]string, error)
	OpenClaims(ctx context.Context, run store.Run) (int, error)
	RenewClaims(ctx context.Context, runID int64, owner string, lease time.Duration) ([]int64, error)
	ReleaseClaims(ctx context.Context, runID int64, owner string) error
	RemainingDue(ctx context.Context, run store.Run) (int, error)
	CompleteRun(ctx context.Context, runID int64) (store.Run, bool, error)
}

// A shared run has no single owner. Every process that starts it joins it,
// takes subscribers in batches under a lease (Worker.StaleAfter) that its
// heartbeat renews, and sends them as an owned run would. When a process
// finds nothing left to claim it waits for the others, taking over the claims
// of any that dies once they expire (at once when it ran on this host and is
// gone), and the first to see every subscriber with an outcome marks the run
// done. The exactly-once bound is the owned run's: a process killed in the
// middle leaves at most one accepted but unrecorded message per sending
// goroutine, which the taker sends again; a process paused past its lease
// wakes fenced and sends none of the claims it lost.

// lease is how long a claim lasts unrenewed, and how long a silent run waits
// to be taken over.
func (w *Worker) lease() time.Duration { return orDefault(w.StaleAfter, 2*time.Minute) }

// sharedPoll is how often a process with nothing left to claim looks again.
const sharedPoll = 250 * time.Millisecond

// sharedRun is a run this process sends with others.
type sharedRun struct {
	w     *Worker
	run   store.Run
	log   *slog.Logger
	after int64 // the last id this process claimed walking forward
	freed bool  // the claims of processes gone were freed once

	mu   sync.Mutex
	held map[int64]bool // claimed, no outcome recorded yet
}

// next claims subscribers instead of paging through them, then takes over the
// claims of processes that died, and reports complete once no claim is open
// and no subscriber is left without an outcome, its own and the other
// processes' alike.
func (r *sharedRun) next(ctx context.Context) ([]store.Subscriber, bool, error) {
	ss, owner, lease := r.w.Shared, r.run.Owner, r.w.lease()
	if !r.freed {
		r.freed = true
		r.freeGone(ctx)
	}
	for ctx.Err() == nil {
		page, err := ss.ClaimDue(ctx, r.run, owner, r.after, pageSize, lease)
		forward := len(page) > 0
		if err == nil && !forward {
			page, err = ss.ClaimExpired(ctx, r.run, owner, pageSize, lease)
		}
		switch {
		case errors.Is(err, store.ErrConflict):
			return nil, true, nil // done by another process: nobody is left
		case err != nil:
			return nil, false, err
		}
		if len(page) > 0 {
			if forward {
				r.after = page[len(page)-1].ID
			}
			r.mu.Lock()
			for _, sub := range page {
				r.held[sub.ID] = true
			}
			r.mu.Unlock()
			return page, false, nil
		}
		// Nothing to claim: wait for the claims still open, this process's own included.
		open, err := ss.OpenClaims(ctx, r.run)
		if err == nil && open == 0 {
			var left int
			if left, err = ss.RemainingDue(ctx, r.run); err == nil && left == 0 {
				return nil, true, nil
			}
			r.after = 0 // someone passed over as claimed was never served: look again from the start
		}
		if err != nil {
			return nil, false, err
		}
		r.freeGone(ctx)
		t := time.NewTimer(sharedPoll)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	return nil, false, ctx.Err()
}

// freeGone frees at once the claims of the processes of this host that are
// gone, for this one to take over without waiting for their lease.
func (r *sharedRun) freeGone(ctx context.Context) {
	owners, err := r.w.Shared.ClaimOwners(ctx, r.run.ID)
	if err != nil {
		r.log.Warn("digest run: reading claim owners", "err", err)
		return
	}
	for _, o := range owners {
		if o == r.run.Owner || !gone(o) {
			continue
		}
		if err := r.w.Shared.ReleaseClaims(ctx, r.run.ID, o); err != nil {
			r.log.Warn("digest run: freeing the claims of a process gone", "holder", Describe(o), "err", err)
			continue
		}
		r.log.Info("digest run: claims of a process that is gone taken over at once", "holder", Describe(o))
	}
}

// renew renews this process's claims and reports those it held that are no
// longer its own. A run done meanwhile needs no stopping (its next claim
// finds nobody left), but whatever this process still held was served by
// another: all of it is lost.
func (r *sharedRun) renew(ctx context.Context) ([]int64, error) {
	// Only the claims taken before the renewal can be missing from it.
	r.mu.Lock()
	before := make([]int64, 0, len(r.held))
	for id := range r.held {
		before = append(before, id)
	}
	r.mu.Unlock()
	renewed, err := r.w.Shared.RenewClaims(ctx, r.run.ID, r.run.Owner, r.w.lease())
	if errors.Is(err, store.ErrConflict) {
		renewed, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	still := make(map[int64]bool, len(renewed))
	for _, id := range renewed {
		still[id] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var lost []int64
	for _, id := range before {
		if r.held[id] && !still[id] {
			lost = append(lost, id)
			delete(r.held, id)
		}
	}
	return lost, nil
}

func (r *sharedRun) recorded(ds []store.Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range ds {
		delete(r.held, d.SubscriberID)
	}
}

// end marks the run done when nobody is left (or finds it done), else gives
// this process's unsent claims back, for the other processes or the next
// start to take at once. The run stays running for them.
func (r *sharedRun) end(ctx context.Context, complete bool) (store.Run, bool, error) {
	if complete {
		return r.w.Shared.CompleteRun(ctx, r.run.ID)
	}
	return r.run, false, r.w.Shared.ReleaseClaims(ctx, r.run.ID, r.run.Owner)
}
