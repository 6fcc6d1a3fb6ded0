package digest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/caravan-news/caravan/store"
)

// SharedStore is what a worker needs of persistence to send runs together
// with other processes on one database (PostgreSQL): see store.JoinRun.
type SharedStore interface {
	JoinRun(ctx context.Context, frequency string, slot time.Time, owner string, staleAfter time.Duration) (store.Run, bool, error)
	ClaimDue(ctx context.Context, run store.Run, owner string, afterID int64, limit int, lease time.Duration) ([]store.Subscriber, error)
	ClaimExpired(ctx context.Context, run store.Run, owner string, limit int, lease time.Duration) ([]store.Subscriber, error)
	OpenClaims(ctx context.Context, run store.Run) (int, error)
	RenewClaims(ctx context.Context, runID int64, owner string, lease time.Duration) error
	ReleaseClaims(ctx context.Context, runID int64, owner string) error
	RemainingDue(ctx context.Context, run store.Run) (int, error)
	CompleteRun(ctx context.Context, runID int64) (store.Run, bool, error)
}

// A shared run has no single owner. Every process that starts it joins it,
// takes subscribers in batches under a lease (Worker.StaleAfter) that its
// heartbeat renews, and sends them as an owned run would. When a process
// finds nothing left to claim it waits for the others, taking over the claims
// of any that dies once they expire, and the first to see every subscriber
// with an outcome marks the run done. The exactly-once bound is the owned
// run's: a process killed in the middle leaves at most one accepted but
// unrecorded message per sending goroutine, which the taker sends again.

// lease is how long a claim lasts unrenewed, and how long a silent run waits
// to be taken over.
func (w *Worker) lease() time.Duration { return orDefault(w.StaleAfter, 2*time.Minute) }

// sharedPoll is how often a process with nothing left to claim looks again.
const sharedPoll = 250 * time.Millisecond

// produceShared is produce for a shared run: it claims subscribers instead of
// paging through them, then takes over the claims of processes that died, and
// returns complete once no claim is open and no subscriber is left without an
// outcome, its own and the other processes' alike.
func (w *Worker) produceShared(ctx context.Context, run store.Run, window []store.Article,
	jobs chan<- job, results chan<- outcome) (complete bool, err error) {
	ss := w.Shared
	after := int64(0) // the last id this process claimed walking forward
	for ctx.Err() == nil {
		page, err := ss.ClaimDue(ctx, run, run.Owner, after, pageSize, w.lease())
		forward := len(page) > 0
		if err == nil && !forward {
			page, err = ss.ClaimExpired(ctx, run, run.Owner, pageSize, w.lease())
		}
		switch {
		case errors.Is(err, store.ErrConflict):
			return true, nil // done by another process: nobody is left
		case err != nil && ctx.Err() != nil:
			return false, nil
		case err != nil:
			return false, err
		}
		if len(page) > 0 {
			last, err := queue(ctx, run, window, page, jobs, results)
			if err != nil {
				return false, nil
			}
			if forward {
				after = last
			}
			continue
		}
		// Nothing to claim: wait for the claims still open, this process's own included.
		open, err := ss.OpenClaims(ctx, run)
		if err == nil && open == 0 {
			var left int
			if left, err = ss.RemainingDue(ctx, run); err == nil && left == 0 {
				return true, nil
			}
			after = 0 // someone passed over as claimed was never served: look again from the start
		}
		if err != nil {
			if ctx.Err() != nil {
				return false, nil
			}
			return false, err
		}
		t := time.NewTimer(sharedPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, nil
		case <-t.C:
		}
	}
	return false, nil
}

// queue records the subscribers of page with nothing new and hands the others
// to the sending goroutines; it returns the last id, or ctx's error.
func queue(ctx context.Context, run store.Run, window []store.Article, page []store.Subscriber,
	jobs chan<- job, results chan<- outcome) (last int64, err error) {
	for _, sub := range page {
		last = sub.ID
		sel := pick(window, sub, run.Cutoff)
		if sel.Total == 0 {
			results <- outcome{d: store.Delivery{SubscriberID: sub.ID, Status: store.DeliveryEmpty}}
			continue
		}
		select {
		case jobs <- job{sub: sub, sel: sel}:
		case <-ctx.Done():
			return last, ctx.Err()
		}
	}
	return last, nil
}

// endShared ends this process's part of a shared run, res being its result
// so far: when nobody is left it marks the run done (or finds it done), else
// it gives its unsent claims back, for the other processes or the next start
// to take at once. The run stays running for them.
func (w *Worker) endShared(ctx context.Context, log *slog.Logger, res RunResult, rec *recorder, perr error) (RunResult, error) {
	var err error
	if res.Complete {
		var final store.Run
		var done bool
		if final, done, err = w.Shared.CompleteRun(ctx, res.Run.ID); err == nil {
			res.Run = final
		}
		res.Complete = done
	} else {
		err = w.Shared.ReleaseClaims(ctx, res.Run.ID, res.Run.Owner)
	}
	c := rec.counts
	log.Info("digest run stopped", "status", res.Run.Status, "sent", c.Sent, "skipped_empty", c.SkippedEmpty,
		"failed_temp", c.FailedTemp, "failed_perm", c.FailedPerm, "duration", res.Duration.Round(time.Millisecond),
		"shared", true)
	return res, errors.Join(perr, rec.err, err)
}
