package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/store"
)

// catchUpWithin is how late a missed or interrupted run is still sent: a
// server down at 07:00 and back by the evening sends the morning digest; one
// back later leaves the news to the next slot, whose digests carry it.
const catchUpWithin = 12 * time.Hour

// catchUpEvery is how often the scheduler looks for a run to catch up: one
// interrupted by a crash is resumed once its owner's heartbeat is stale.
const catchUpEvery = "@every 5m"

// scheduler starts each frequency's digest at its cron time, in the
// configured time zone, through the Launcher that the admin API shares.
type scheduler struct {
	cron    *cron.Cron
	log     *slog.Logger
	sched   digest.Schedule
	digests *digest.Launcher
	now     func() time.Time
}

// newScheduler checks the cron specs and prepares the schedule; run starts it.
func newScheduler(log *slog.Logger, sched digest.Schedule, digests *digest.Launcher, now func() time.Time) (*scheduler, error) {
	s := &scheduler{cron: cron.New(cron.WithLocation(sched.Location)), log: log, sched: sched, digests: digests, now: now}
	for _, f := range store.Frequencies {
		// The schedule of digest, not cron's own reading of the spec: one slot
		// per wall-clock time, so daylight saving neither skips nor repeats one.
		cs, err := sched.Cron(f)
		if err != nil {
			spec, _ := sched.Spec(f)
			return nil, fmt.Errorf("--%s-at %q: %w", f, spec, err)
		}
		s.cron.Schedule(cs, cron.FuncJob(func() { s.start(f) }))
	}
	if _, err := s.cron.AddFunc(catchUpEvery, s.catchUp); err != nil {
		return nil, err
	}
	return s, nil
}

// run runs the schedule until ctx ends, first catching up on a recent slot
// missed or interrupted. On the way out it waits for the runs in progress,
// which stop taking subscribers as ctx ends and record what they sent.
func (s *scheduler) run(ctx context.Context) {
	s.catchUp()
	s.cron.Start()
	<-ctx.Done()
	<-s.cron.Stop().Done()
	s.digests.Wait()
}

// catchUp starts the current run of each frequency if its slot is recent
// (one done already costs a single query), and retries the temporary
// failures of an older one until the next slot comes.
func (s *scheduler) catchUp() {
	for _, f := range store.Frequencies {
		slot, err := s.sched.Slot(f, s.now())
		switch {
		case err != nil:
		case s.now().Sub(slot) <= catchUpWithin:
			s.start(f)
		default:
			if run, started, err := s.digests.Retry(context.Background(), f); err != nil {
				s.log.Error("digest retry not started", "frequency", f, "err", err)
			} else if started {
				s.log.Info("digest retry pass launched", "frequency", f, "run_id", run.ID, "slot", run.Slot)
			}
		}
	}
}

// start starts the current run of frequency; a run done already or running
// elsewhere is no news.
func (s *scheduler) start(frequency string) {
	run, started, err := s.digests.Start(context.Background(), frequency)
	switch {
	case err != nil:
		s.log.Error("digest run not started", "frequency", frequency, "err", err)
	case started:
		s.log.Info("digest run launched", "frequency", frequency, "run_id", run.ID, "slot", run.Slot)
	default:
		s.log.Debug("digest run not needed", "frequency", frequency, "run_id", run.ID, "status", run.Status)
	}
}
