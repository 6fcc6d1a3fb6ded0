package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/store"
)

// digestWorker is the digest sender, configured as the settings say.
// On PostgreSQL the processes on the database send each run together.
func (p *parts) digestWorker() *digest.Worker {
	w := &digest.Worker{Store: p.store, Sender: p.mail, Compose: p.compose, Workers: p.cfg.SendWorkers,
		Rate: p.cfg.SendRate, Log: p.log, StaleAfter: p.cfg.DigestLease}
	if p.store.Postgres() {
		w.Shared = p.store
	}
	return w
}

// schedule is when the digests go out.
func (p *parts) schedule() digest.Schedule {
	return digest.Schedule{Daily: p.cfg.DailyAt, Weekly: p.cfg.WeeklyAt, Location: p.cfg.Timezone}
}

// cmdDigestSend runs (or resumes) the digest of the current slot of a
// frequency, for system cron. Running it again in the same slot sends nothing;
// a run in progress in another process is left to it on SQLite, and shared
// with it on PostgreSQL. The exit code is non-zero only when the run failed.
func cmdDigestSend(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("digest send")
	frequency := fs.String("frequency", "", "daily or weekly (required)")
	cfg, err := parseConfig(fs, args, env.getenv)
	if err != nil {
		return err
	}
	if !slices.Contains(store.Frequencies, *frequency) {
		return fmt.Errorf("--frequency is required: daily or weekly (got %q)", *frequency)
	}
	p, err := build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer p.close()
	slot, err := p.schedule().Slot(*frequency, p.store.Now())
	if err != nil {
		return err
	}
	when := slot.Format("2006-01-02 15:04 MST")
	res, err := p.digestWorker().Run(ctx, *frequency, slot)
	if err != nil {
		return fmt.Errorf("%s digest of %s: %w", *frequency, when, err)
	}
	r := res.Run
	switch {
	case !res.Started && r.Status == store.RunDone:
		fmt.Fprintf(env.stdout, "The %s digest of %s was sent already (run %d): nothing to do.\n", *frequency, when, r.ID)
		return nil
	case !res.Started:
		fmt.Fprintf(env.stdout, "The %s digest of %s is being sent by another process (run %d, %s): nothing to do.\n",
			*frequency, when, r.ID, r.Owner)
		return nil
	}
	fmt.Fprintf(env.stdout, "Run %d, %s digest of %s: %d subscribers, %d sent, %d with nothing new, "+
		"%d failed temporarily (next run retries), %d bounced; %s.\n", r.ID, *frequency, when, r.Selected, r.Sent,
		r.SkippedEmpty, r.FailedTemp, r.FailedPerm, res.Duration.Round(time.Millisecond))
	if !res.Complete {
		fmt.Fprintf(env.stdout, "Interrupted: run the same command again to send the rest.\n")
		cause := context.Cause(ctx)
		if cause == nil {
			cause = errors.New("stopped before the end")
		}
		return fmt.Errorf("%s digest of %s interrupted: %w", *frequency, when, cause)
	}
	return nil
}

// cmdDigestPreview prints the digest an address would get now, sending nothing.
func cmdDigestPreview(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("digest preview")
	email := fs.String("email", "", "the subscriber's address (required)")
	cfg, err := parseConfig(fs, args, env.getenv)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return errors.New("--email is required: the address of the subscriber to preview")
	}
	addr, err := store.NormalizeEmail(*email)
	if err != nil {
		return fmt.Errorf("--email: %w", err)
	}
	p, err := build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer p.close()
	pv, err := p.digestWorker().Preview(ctx, addr, p.store.Now())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no subscriber has the address %s", addr)
	}
	if err != nil {
		return err
	}
	sub, loc := pv.Subscriber, cfg.Timezone
	countries := "all"
	if len(sub.Countries) > 0 {
		countries = strings.Join(sub.Countries, ",")
	}
	fmt.Fprintf(env.stdout, "Subscriber: %s (%s, %s, %s, countries %s)\n", sub.Email, sub.Status, sub.Frequency, sub.Locale, countries)
	fmt.Fprintf(env.stdout, "New since: %s\n", pv.From.In(loc).Format("2006-01-02 15:04 MST"))
	if sub.Status != store.StatusActive {
		fmt.Fprintf(env.stdout, "Note: this subscriber is %s; digest runs send them nothing.\n", sub.Status)
	}
	if pv.Total == 0 {
		fmt.Fprintln(env.stdout, "Nothing new: no digest would be sent.")
		return nil
	}
	fmt.Fprintf(env.stdout, "Articles: %d (%d listed)\nSubject: %s\n\n%s", pv.Total, pv.Listed, pv.Subject, pv.Text)
	return nil
}
