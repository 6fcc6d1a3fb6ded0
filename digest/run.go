package digest

import (
	"context"
	"errors"
	"log/slog"
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
	TakeOverRun(ctx context.Context, runID int64, holder, owner string) (store.Run, error)
	RunOfSlot(ctx context.Context, frequency string, slot time.Time) (store.Run, error)
	Heartbeat(ctx context.Context, runID int64, owner string) error
	FinishRun(ctx context.Context, runID int64, owner, status string) (store.Run, error)
	DueSubscribers(ctx context.Context, run store.Run, afterID int64, limit int) ([]store.Subscriber, error)
	DigestArticles(ctx context.Context, after, upTo time.Time) ([]store.Article, error)
	Mailable(ctx context.Context, ids []int64) (map[int64]bool, error)
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
// for its previous outcome to be written before it sends again, and sends
// only while its process's hold on the run is fresh (see fence), so the gap
// holds at most one message per goroutine (Workers in all) per crash or pause.
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

	StopAfter  int           // permanent refusals in a row that stop the run (default DefaultStopAfter)
	Tries      int           // attempts per message within a pass (default 3)
	Backoff    time.Duration // wait after the first failed attempt, doubling after each (default 2s)
	StaleAfter time.Duration // the lease: a run or claim whose holder is silent this long is taken over (default 2m)
	Progress   time.Duration // how often a long run logs its progress (default 5s)
}

// RunResult is what one call of Run did.
type RunResult struct {
	Run      store.Run       // as stored afterwards; its counts cover every pass of the run
	Started  bool            // false: the run was done already (see Run.Retrying), or is held by another live process
	Complete bool            // every subscriber due has an outcome: the run is done (by this call or before)
	This     store.RunCounts // the outcomes recorded by this call
	Fenced   int             // messages not sent because this process no longer held them (see fence)
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
		return RunResult{Run: run, Complete: err == nil && run.Status == store.RunDone}, err
	}
	return w.Process(ctx, run)
}

// Begin claims the run of frequency for slot; started is false when it is done
// (and its temporary failures, if any, are not due for a retry yet) or held by
// a live process. A run held by a process of this host that is gone (killed,
// crashed) is taken over at once. A started run must be handed to Process.
func (w *Worker) Begin(ctx context.Context, frequency string, slot time.Time) (run store.Run, started bool, err error) {
	if err := checkLease(w.lease()); err != nil {
		return store.Run{}, false, err
	}
	me := self().String()
	if w.Shared != nil {
		return w.Shared.JoinRun(ctx, frequency, slot, me, w.lease())
	}
	for range 3 { // a takeover lost to another process's: look again
		run, started, err = w.Store.StartRun(ctx, frequency, slot, me, w.lease())
		if err != nil || started || run.Status != store.RunRunning || !gone(run.Owner) {
			return run, started, err
		}
		taken, err := w.Store.TakeOverRun(ctx, run.ID, run.Owner, me)
		if err == nil {
			w.logger().Info("digest run taken over from a process that is gone", "run_id", run.ID,
				"holder", Describe(run.Owner))
			return taken, true, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return run, false, err
		}
	}
	return run, started, err
}

// Process sends the digests run still owes, run having been claimed by Begin.
func (w *Worker) Process(ctx context.Context, run store.Run) (RunResult, error) {
	began := time.Now()
	log := w.logger().With("run_id", run.ID, "frequency", run.Frequency, "slot", run.Slot)
	bg := context.WithoutCancel(ctx) // for the writes that must happen even after ctx ends
	h := w.hold(run, log)
	log.Info("digest run started", "cutoff", run.Cutoff, "already_selected", run.Selected, "pass_began", run.ClaimedAt)

	take, stop := context.WithCancelCause(ctx) // taking new subscribers stops with it
	defer stop(nil)
	f := newFence(w.Store.Now, w.lease())
	beating, stopBeat := context.WithCancel(bg)
	beaten := make(chan struct{})
	go func() { w.beat(beating, h, f, stop, log); close(beaten) }()

	workers := orDefault(w.Workers, mailer.DefaultWorkers)
	jobs := make(chan job, workers)
	results := make(chan outcome, 4*pageSize)
	rec := &recorder{w: w, run: run, log: log, stop: stop, senders: workers, hold: h}
	recorded := make(chan struct{})
	go func() { rec.loop(bg, results); close(recorded) }()

	s := &sending{w: w, run: run, log: log, cache: newBodies(), limiter: w.limiter(), results: results,
		fence: f, gate: &gate{mailable: w.Store.Mailable}, breaker: newBreaker(orDefault(w.StopAfter, DefaultStopAfter), stop)}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { s.loop(take, jobs) })
	}
	win := &window{load: w.Store.DigestArticles, cutoff: run.Cutoff}
	complete, perr := w.produce(take, h, win, jobs, results)
	close(jobs)
	wg.Wait()
	close(results)
	<-recorded
	stopBeat()
	<-beaten

	if why := s.breaker.cause(); why != nil {
		log.Error("digest run stopped before its end", "err", why)
		perr = errors.Join(perr, why)
	}
	res := RunResult{Run: run, Started: true, This: rec.counts, Fenced: int(s.fenced.Load()), Duration: time.Since(began)}
	lost := f.lostRun()
	res.Complete = complete && perr == nil && s.skipped.Load() == 0 && rec.err == nil && lost == nil
	if lost != nil {
		log.Warn("digest run taken over by another process", "err", lost, "fenced", res.Fenced)
		return res, lost
	}
	final, done, herr := h.end(bg, res.Complete)
	if herr == nil {
		res.Run = final
	}
	res.Complete = res.Complete && done
	c := rec.counts
	log.Info("digest run stopped", "status", res.Run.Status, "sent", c.Sent, "skipped_empty", c.SkippedEmpty,
		"failed_temp", c.FailedTemp, "failed_perm", c.FailedPerm, "withheld", c.Withheld, "fenced", res.Fenced,
		"retry_at", res.Run.RetryAt, "duration", res.Duration.Round(time.Millisecond), "shared", w.Shared != nil)
	return res, errors.Join(perr, rec.err, herr)
}

// beat renews the hold on the run every heartbeatEvery until ctx ends,
// opening the fence after each renewal; a run lost stops it for good.
func (w *Worker) beat(ctx context.Context, h hold, f *fence, stop context.CancelCauseFunc, log *slog.Logger) {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		at := w.Store.Now()
		lost, err := h.renew(ctx)
		switch {
		case errors.Is(err, store.ErrConflict):
			f.lose(err)
			stop(err)
			return
		case err != nil:
			log.Warn("digest run heartbeat", "err", err)
		default:
			if len(lost) > 0 {
				log.Warn("digest claims lost to another process", "count", len(lost))
			}
			f.renew(at, lost)
		}
	}
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

// job is one digest to send.
type job struct {
	sub store.Subscriber
	sel selection
}

// produce takes the subscribers the run owes a digest from h, page by page,
// loads the articles they are owed, records those with nothing new and queues
// the others. complete tells whether nobody is left before ctx ended.
func (w *Worker) produce(ctx context.Context, h hold, win *window, jobs chan<- job, results chan<- outcome) (complete bool, err error) {
	for ctx.Err() == nil {
		page, complete, err := h.next(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return false, nil
		case err != nil:
			return false, err
		case len(page) == 0:
			return complete, nil
		}
		if err := win.cover(ctx, page); err != nil {
			if ctx.Err() != nil {
				return false, nil
			}
			return false, err
		}
		if err := queue(ctx, win, page, jobs, results); err != nil {
			return false, nil // cancelled: the run stops here and resumes later
		}
	}
	return false, nil
}

// queue records the subscribers of page with nothing new and hands the others
// to the sending goroutines; it returns ctx's error if it ends first.
func queue(ctx context.Context, win *window, page []store.Subscriber, jobs chan<- job, results chan<- outcome) error {
	for _, sub := range page {
		sel := pick(win.articles, sub, win.cutoff)
		if sel.Total == 0 {
			results <- outcome{d: store.Delivery{SubscriberID: sub.ID, Status: store.DeliveryEmpty}}
			continue
		}
		select {
		case jobs <- job{sub: sub, sel: sel}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// sending is the state the sending goroutines of one run share.
type sending struct {
	w       *Worker
	run     store.Run
	log     *slog.Logger
	cache   *bodies
	limiter *rate.Limiter
	results chan<- outcome
	fence   *fence
	gate    *gate
	skipped atomic.Int64 // jobs dropped unsent because ctx ended
	fenced  atomic.Int64 // jobs dropped unsent because another process holds them now
	breaker *breaker     // stops the run when the relay refuses everything
}

// orDefault returns v, or def when v is not positive.
func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}
