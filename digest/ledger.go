package digest

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/caravan-news/caravan/store"
)

// maxBatch is the most outcomes written in one transaction.
const maxBatch = 200

// outcome is one subscriber's result on its way to the ledger. done, when
// set, receives the write's error once it is committed (or failed).
type outcome struct {
	d    store.Delivery
	done chan<- error
}

// recorder writes the outcomes of a run to the ledger, in one transaction
// with those that arrive within linger of the first (see gather): the sending
// goroutines wait for their previous message's write, so batches form by
// themselves under load. Every Progress it logs the counts.
type recorder struct {
	w       *Worker
	run     store.Run
	log     *slog.Logger
	stop    context.CancelCauseFunc // stops the run taking new subscribers
	counts  store.RunCounts
	err     error // the ledger could not be written: the run stops
	senders int   // the sending goroutines: no batch holds more of their outcomes
	hold    hold  // told of each batch written
}

func (r *recorder) loop(ctx context.Context, results <-chan outcome) {
	every := orDefault(r.w.Progress, 5*time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	began := time.Now()
	var batch []outcome
	for {
		select {
		case o, ok := <-results:
			if !ok {
				return
			}
			var closed bool
			batch, closed = r.gather(results, append(batch[:0], o))
			r.flush(ctx, batch)
			if closed {
				return
			}
		case <-tick.C:
			c := r.counts
			r.log.Info("digest run progress", "selected", c.Selected, "sent", c.Sent, "skipped_empty", c.SkippedEmpty,
				"failed_temp", c.FailedTemp, "failed_perm", c.FailedPerm, "withheld", c.Withheld,
				"per_second", fmt.Sprintf("%.1f", float64(c.Sent)/time.Since(began).Seconds()))
		}
	}
}

// gather adds to batch, which holds the first outcome of a transaction, the
// outcomes that arrive within linger of it, up to maxBatch: a commit costs
// several times what a row does, so a little patience pays. It stops waiting
// once every sending goroutine has an outcome in the batch, since none of
// them sends again before the commit. closed tells whether results was closed.
func (r *recorder) gather(results <-chan outcome, batch []outcome) (_ []outcome, closed bool) {
	waiting := 0
	for _, o := range batch {
		if o.done != nil {
			waiting++
		}
	}
	timer := time.NewTimer(linger)
	defer timer.Stop()
	for len(batch) < maxBatch && waiting < r.senders {
		select {
		case o, ok := <-results:
			if !ok {
				return batch, true
			}
			batch = append(batch, o)
			if o.done != nil {
				waiting++
			}
		case <-timer.C:
			return batch, false
		}
	}
	return batch, false
}

// linger is how long the recorder waits for more outcomes before a commit.
// A sending goroutine waits at most this long more for its previous message
// to be recorded; under load, when the goroutines take turns, batches grow
// from one or two outcomes to about half the goroutines.
const linger = time.Millisecond

// flush writes batch, trying a few times, and tells the waiting senders.
func (r *recorder) flush(ctx context.Context, batch []outcome) {
	err := r.err
	if err == nil {
		ds := make([]store.Delivery, len(batch))
		for i, o := range batch {
			ds[i] = o.d
		}
		for try := range 3 {
			if err = r.w.Store.RecordDeliveries(ctx, r.run.ID, ds); err == nil {
				break
			}
			time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
		}
		if err != nil {
			r.err = fmt.Errorf("digest run %d: ledger: %w", r.run.ID, err)
			r.log.Error("digest run stopping: outcomes not recorded", "count", len(ds), "err", err)
			r.stop(r.err)
		} else {
			for _, d := range ds {
				r.count(d.Status)
			}
			r.hold.recorded(ds)
		}
	}
	for _, o := range batch {
		if o.done != nil {
			o.done <- err
		}
	}
}

func (r *recorder) count(status string) {
	r.counts.Selected++
	switch status {
	case store.DeliverySent:
		r.counts.Sent++
	case store.DeliveryEmpty:
		r.counts.SkippedEmpty++
	case store.DeliveryFailedTemp:
		r.counts.FailedTemp++
	case store.DeliveryFailedPerm:
		r.counts.FailedPerm++
	case store.DeliveryWithheld:
		r.counts.Withheld++
	}
}
