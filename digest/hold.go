package digest

import (
	"context"
	"errors"
	"log/slog"

	"github.com/caravan-news/caravan/store"
)

// hold is how a process holds a run it sends: alone (owned, see ownedRun) or
// together with other processes on one database (shared, see sharedRun). The
// sending loop is the same for both; only these steps differ.
type hold interface {
	// next returns the next subscribers to serve; none when this process has
	// nobody left, complete telling whether the run has nobody left at all.
	next(ctx context.Context) (page []store.Subscriber, complete bool, err error)
	// renew renews the hold for a lease; lost lists the subscribers it no
	// longer holds. A run lost altogether is store.ErrConflict.
	renew(ctx context.Context) (lost []int64, err error)
	// recorded tells that the outcomes of ds are in the ledger.
	recorded(ds []store.Delivery)
	// end ends this process's part of the run, complete telling whether it
	// left nobody unserved; done tells whether the run is done now.
	end(ctx context.Context, complete bool) (run store.Run, done bool, err error)
}

// hold returns the protocol run is sent under.
func (w *Worker) hold(run store.Run, log *slog.Logger) hold {
	if w.Shared != nil {
		return &sharedRun{w: w, run: run, log: log, held: map[int64]bool{}}
	}
	return &ownedRun{w: w, run: run}
}

// ownedRun is a run one process holds alone: it pages through the
// subscribers due, and its heartbeat keeps the others away.
type ownedRun struct {
	w     *Worker
	run   store.Run
	after int64 // the last id served
}

func (o *ownedRun) next(ctx context.Context) ([]store.Subscriber, bool, error) {
	page, err := o.w.Store.DueSubscribers(ctx, o.run, o.after, pageSize)
	if err != nil || len(page) == 0 {
		return nil, err == nil, err
	}
	o.after = page[len(page)-1].ID
	return page, false, nil
}

func (o *ownedRun) renew(ctx context.Context) ([]int64, error) {
	return nil, o.w.Store.Heartbeat(ctx, o.run.ID, o.run.Owner)
}

func (o *ownedRun) recorded([]store.Delivery) {}

func (o *ownedRun) end(ctx context.Context, complete bool) (store.Run, bool, error) {
	status := store.RunDone
	if !complete {
		status = store.RunFailed
	}
	run, err := o.w.Store.FinishRun(ctx, o.run.ID, o.run.Owner, status)
	if errors.Is(err, store.ErrConflict) {
		return o.run, false, err
	}
	return run, err == nil && run.Status == store.RunDone, err
}
