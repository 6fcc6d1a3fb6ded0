package digest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// heartbeatEvery is how often a process renews its hold on a run (the run's
// heartbeat, and on a shared run its claims).
const heartbeatEvery = time.Second

// MinLease is the shortest lease (CARAVAN_DIGEST_LEASE) a run accepts: a
// lease must outlast several heartbeats, so that one slow renewal does not
// stop a healthy process, and leave it time to fence itself (see fence).
const MinLease = 5 * heartbeatEvery

// checkLease refuses a lease too short to fence against.
func checkLease(lease time.Duration) error {
	if lease < MinLease {
		return fmt.Errorf("digest lease %s is too short: it must last at least %s (%d heartbeats)",
			lease, MinLease, MinLease/heartbeatEvery)
	}
	return nil
}

// errFenced is why a message was not sent: this process no longer holds it.
var errFenced = errors.New("digest: no longer held by this process")

// fence keeps a process from sending what another may have taken over. Each
// successful renewal opens it for lease minus a margin, counted from the
// moment the renewal was asked (so that the database's lease, counted from
// its commit, always ends later); past that, senders wait for the next
// renewal. A process paused (SIGSTOP, a frozen VM, a hung database) thus
// wakes fenced: it sends nothing until a renewal tells it what it still
// holds. What a renewal reports lost (claims expired, a run taken over) stays
// lost: those readers are someone else's now.
type fence struct {
	now   func() time.Time
	valid time.Duration

	mu      sync.Mutex
	renewed time.Time
	lost    map[int64]bool
	gone    error         // the whole run was lost
	changed chan struct{} // closed at each renewal or loss
}

// newFence returns a fence open for lease minus a margin from now, the hold
// having just been taken.
func newFence(now func() time.Time, lease time.Duration) *fence {
	margin := max(lease/5, heartbeatEvery)
	return &fence{now: now, valid: lease - margin, renewed: now(), lost: map[int64]bool{}, changed: make(chan struct{})}
}

// renew records a successful renewal asked at at, which lost the readers of
// lost.
func (f *fence) renew(at time.Time, lost []int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if at.After(f.renewed) {
		f.renewed = at
	}
	for _, id := range lost {
		f.lost[id] = true
	}
	close(f.changed)
	f.changed = make(chan struct{})
}

// lose records that the whole run was lost: nothing more may be sent.
func (f *fence) lose(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gone == nil {
		f.gone = fmt.Errorf("%w: %w", errFenced, err)
		close(f.changed)
		f.changed = make(chan struct{})
	}
}

// pass returns nil once a message to subscriber id may go: the hold is
// fresh, and id was not lost. It waits while the hold is stale, and returns
// errFenced (wrapped) for what is lost, or ctx's error.
func (f *fence) pass(ctx context.Context, id int64) error {
	for {
		f.mu.Lock()
		switch {
		case f.gone != nil:
			f.mu.Unlock()
			return f.gone
		case f.lost[id]:
			f.mu.Unlock()
			return fmt.Errorf("subscriber %d: %w", id, errFenced)
		case f.now().Sub(f.renewed) < f.valid:
			f.mu.Unlock()
			return nil
		}
		changed := f.changed
		f.mu.Unlock()
		t := time.NewTimer(heartbeatEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-changed:
		case <-t.C: // the clock may have moved without a renewal (tests set it)
		}
		t.Stop()
	}
}

// lostRun is the error the whole run was lost with, or nil.
func (f *fence) lostRun() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gone
}
