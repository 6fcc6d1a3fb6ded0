package digest

import (
	"context"
	"errors"
	"sync"

	"github.com/caravan-news/caravan/store"
)

// ErrStopping is returned by Launcher.Start once the process is shutting down.
var ErrStopping = errors.New("digest: shutting down, no new runs")

// Launcher starts digest runs in the background, for the admin API and the
// scheduler, and lets the process wait for them when it stops.
type Launcher struct {
	worker   *Worker
	schedule Schedule
	ctx      context.Context // the runs' context: when it ends they record what they sent and stop

	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// NewLauncher returns a Launcher whose runs last until ctx ends.
func NewLauncher(ctx context.Context, w *Worker, s Schedule) *Launcher {
	return &Launcher{worker: w, schedule: s, ctx: ctx}
}

// Start claims the run of frequency's current slot and sends it in the
// background. started is false, with the run as stored, when that run is
// done already or running elsewhere. A bad frequency is store.ErrFrequency.
func (l *Launcher) Start(ctx context.Context, frequency string) (run store.Run, started bool, err error) {
	slot, err := l.schedule.Slot(frequency, l.worker.Store.Now())
	if err != nil {
		return store.Run{}, false, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped || l.ctx.Err() != nil {
		return store.Run{}, false, ErrStopping
	}
	run, started, err = l.worker.Begin(ctx, frequency, slot)
	if err != nil || !started {
		return run, started, err
	}
	l.wg.Go(func() {
		if _, err := l.worker.Process(l.ctx, run); err != nil {
			l.worker.logger().Error("digest run failed", "run_id", run.ID, "frequency", run.Frequency, "err", err)
		}
	})
	return run, true, nil
}

// Retry starts a retry pass of the run of frequency's current slot when it
// is done but for temporary failures whose retry is due (see
// store.RetryBackoff); it never starts a run that has not begun. The
// scheduler calls it for slots too old to start late, so that temporary
// failures are retried until the next slot of their frequency.
func (l *Launcher) Retry(ctx context.Context, frequency string) (run store.Run, started bool, err error) {
	now := l.worker.Store.Now()
	slot, err := l.schedule.Slot(frequency, now)
	if err != nil {
		return store.Run{}, false, err
	}
	run, err = l.worker.Store.RunOfSlot(ctx, frequency, slot)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Run{}, false, nil
	case err != nil:
		return store.Run{}, false, err
	case !run.Retrying() || run.RetryAt.After(now):
		return run, false, nil
	}
	return l.Start(ctx, frequency)
}

// Runs lists the latest runs, most recent first.
func (l *Launcher) Runs(ctx context.Context, limit int) ([]store.Run, error) {
	return l.worker.Store.Runs(ctx, limit)
}

// Wait refuses new runs and waits for those in progress; they stop once the
// Launcher's context ends.
func (l *Launcher) Wait() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	l.wg.Wait()
}
