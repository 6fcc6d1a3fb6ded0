package digest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
)

// RunStore is what the digest worker needs of persistence.
type RunStore interface {
	Now() time.Time
	StartRun(ctx context.Context, frequency string, slot time.Time, owner string, staleAfter time.Duration) (store.Run, bool, error)
	Heartbeat(ctx context.Context, runID int64, owner string) error
	FinishRun(ctx context.Context, runID int64, owner, status string) (store.Run, error)
	DueSubscribers(ctx context.Context, run store.Run, afterID int64, limit int) ([]store.Subscriber, error)
	DigestWatermark(ctx context.Context, frequency string) (time.Time, error)
	DigestArticles(ctx context.Context, after, upTo time.Time) ([]store.Article, error)
	RecordDeliveries(ctx context.Context, runID int64, ds []store.Delivery) error
	SubscriberByEmail(ctx context.Context, email string) (store.Subscriber, error)
	Runs(ctx context.Context, limit int) ([]store.Run, error)
}

// Worker runs digests: for every subscriber a run owes a digest, it picks the
// new articles, renders the mail and hands it to the mailer, on Workers
// goroutines under the relay's rate ceiling, and records each outcome in the ledger.
//
// Exactly once: a subscriber is recorded sent only after the SMTP server
// accepted their digest, and a resumed run skips everyone recorded. The one
// gap is a crash between the server's acceptance and the ledger write: that
// message goes out again when the run resumes. Each sending goroutine waits
// for its previous outcome to be written before it sends again, so the gap
// holds at most one message per goroutine (Workers in all).
type Worker struct {
	Store   RunStore
	Sender  mailer.Sender
	Compose *Composer
	Workers int // messages in flight at once (default mailer.DefaultWorkers); match the mailer's connections
	// Limiter is the relay's send-rate ceiling (mailer.NewLimiter), shared by
	// every run of the process and the outbox; nil means no ceiling.
	Limiter *rate.Limiter
	Log     *slog.Logger
	// Shared, when set, sends each run together with the other processes on
	// the same database, through it (PostgreSQL: see shared.go). Unset, one
	// process owns a run and the others leave it alone.
	Shared SharedStore

	Tries      int           // attempts per message within a run (default 3)
	Backoff    time.Duration // wait after the first failed attempt, doubling after each (default 2s)
	StaleAfter time.Duration // a run whose owner is silent this long is taken over (default 2m)
	Progress   time.Duration // how often a long run logs its progress (default 5s)
}

// RunResult is what one call of Run did.
type RunResult struct {
	Run      store.Run       // as stored afterwards; its counts cover every execution of the run
	Started  bool            // false: the run was done already, or is running elsewhere
	Complete bool            // every subscriber due has an outcome: the run is done
	This     store.RunCounts // the outcomes recorded by this call
	Duration time.Duration
}

// pageSize is how many subscribers are read from the store at once.
const pageSize = 500

// Run runs (or resumes) the digest of frequency for slot, the scheduled time it
// stands for. When ctx ends it stops taking subscribers, lets the messages in
// flight finish, records them and returns with Complete false; running the
// same slot again resumes it.
func (w *Worker) Run(ctx context.Context, frequency string, slot time.Time) (RunResult, error) {
	run, started, err := w.Begin(ctx, frequency, slot)
	if err != nil || !started {
		return RunResult{Run: run}, err
	}
	return w.Process(ctx, run)
}

// Begin claims the run of frequency for slot; started is false when it is done
// or owned by a live process. A started run must be handed to Process.
func (w *Worker) Begin(ctx context.Context, frequency string, slot time.Time) (run store.Run, started bool, err error) {
	host, _ := os.Hostname()
	owner := fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
	if w.Shared != nil {
		return w.Shared.JoinRun(ctx, frequency, slot, owner, w.lease())
	}
	return w.Store.StartRun(ctx, frequency, slot, owner, orDefault(w.StaleAfter, 2*time.Minute))
}

// Process sends the digests run still owes, run having been claimed by Begin.
func (w *Worker) Process(ctx context.Context, run store.Run) (RunResult, error) {
	began := time.Now()
	log := w.logger().With("run_id", run.ID, "frequency", run.Frequency, "slot", run.Slot)
	bg := context.WithoutCancel(ctx) // for the writes that must happen even after ctx ends
	window, err := w.window(ctx, run)
	if err != nil {
		var ferr error
		if w.Shared == nil { // a shared run is left running for the others: this process claimed nothing
			_, ferr = w.Store.FinishRun(bg, run.ID, run.Owner, store.RunFailed)
		}
		return RunResult{Run: run, Started: true}, errors.Join(err, ferr)
	}
	log.Info("digest run started", "cutoff", run.Cutoff, "candidate_articles", len(window),
		"already_selected", run.Selected)

	take, stop := context.WithCancelCause(ctx) // taking new subscribers stops with it
	defer stop(nil)
	workers := orDefault(w.Workers, mailer.DefaultWorkers)
	jobs := make(chan job, workers)
	results := make(chan outcome, 4*pageSize)
	rec := &recorder{w: w, run: run, log: log, stop: stop, senders: workers}
	recorded := make(chan struct{})
	go func() { rec.loop(bg, results); close(recorded) }()

	s := &sending{w: w, run: run, log: log, cache: newBodies(), limiter: w.limiter(), results: results}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { s.loop(take, jobs) })
	}
	produce := w.produce
	if w.Shared != nil {
		produce = w.produceShared
	}
	complete, perr := produce(take, run, window, jobs, results)
	close(jobs)
	wg.Wait()
	close(results)
	<-recorded

	res := RunResult{Run: run, Started: true, This: rec.counts, Duration: time.Since(began)}
	res.Complete = complete && perr == nil && s.skipped.Load() == 0 && rec.err == nil && rec.lost == nil
	if w.Shared != nil {
		return w.endShared(bg, log, res, rec, perr)
	}
	if rec.lost != nil {
		log.Warn("digest run taken over by another process", "err", rec.lost)
		return res, rec.lost
	}
	status := store.RunDone
	if !res.Complete {
		status = store.RunFailed
	}
	final, ferr := w.Store.FinishRun(bg, run.ID, run.Owner, status)
	if ferr == nil {
		res.Run = final
	}
	log.Info("digest run stopped", "status", status, "sent", rec.counts.Sent, "skipped_empty", rec.counts.SkippedEmpty,
		"failed_temp", rec.counts.FailedTemp, "failed_perm", rec.counts.FailedPerm, "duration", res.Duration.Round(time.Millisecond))
	return res, errors.Join(perr, rec.err, ferr)
}

// limiter is the send-rate ceiling of every run of w.
func (w *Worker) limiter() *rate.Limiter {
	if w.Limiter == nil {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return w.Limiter
}

func (w *Worker) logger() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

// window loads, once per run, every article some due subscriber may get.
func (w *Worker) window(ctx context.Context, run store.Run) ([]store.Article, error) {
	from, err := w.Store.DigestWatermark(ctx, run.Frequency)
	if err != nil || from.IsZero() {
		return nil, err // nobody active: no articles needed
	}
	return w.Store.DigestArticles(ctx, from, run.Cutoff)
}

// job is one digest to send.
type job struct {
	sub store.Subscriber
	sel selection
}

// produce streams the subscribers run owes a digest, page by page, records
// those with nothing new and queues the others. complete tells whether it
// reached the end of the list before ctx ended.
func (w *Worker) produce(ctx context.Context, run store.Run, window []store.Article, jobs chan<- job, results chan<- outcome) (complete bool, err error) {
	after := int64(0)
	for ctx.Err() == nil {
		page, err := w.Store.DueSubscribers(ctx, run, after, pageSize)
		if err != nil {
			if ctx.Err() != nil {
				return false, nil
			}
			return false, err
		}
		if len(page) == 0 {
			return true, nil
		}
		if after, err = queue(ctx, run, window, page, jobs, results); err != nil {
			return false, nil // cancelled: the run stops here and resumes later
		}
	}
	return false, nil
}

// sending is the state the sending goroutines of one run share.
type sending struct {
	w       *Worker
	run     store.Run
	log     *slog.Logger
	cache   *bodies
	limiter *rate.Limiter
	results chan<- outcome
	skipped atomic.Int64 // jobs dropped unsent because ctx ended
}

// orDefault returns v, or def when v is not positive.
func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
