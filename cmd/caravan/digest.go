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
		Limiter: p.pace, Log: p.log, StaleAfter: p.cfg.DigestLease}
	if p.store.Postgres() {
		w.Shared = p.store
	}
	return w
}

// schedule is when the digests go out.
func (p *parts) schedule() digest.Schedule {
	return digest.Schedule{Daily: p.cfg.DailyAt, Weekly: p.cfg.WeeklyAt, Location: p.cfg.Timezone}
}

// Exit codes of `caravan digest send` beyond 0 (sent, or nothing due) and 1
// (failed): see the README's Guarantees.
const (
	exitHeld  = 3 // held by another live process: nothing sent
	exitRetry = 4 // finished, with temporary failures left for a retry pass
)

// exitError is an error that ends the program with a given exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// ExitCode is the process's exit code for e.
func (e *exitError) ExitCode() int { return e.code }

// cmdDigestSend runs (or resumes) the digest of the current slot of a
// frequency, for system cron. Running it again in the same slot sends nothing
// but the retries of temporary failures; a run in progress in another live
// process is left to it on SQLite (exit 3), and shared with it on PostgreSQL.
func cmdDigestSend(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("digest send")
	frequency := fs.String("frequency", "", "daily or weekly (required)")
	extra := fs.Bool("extra", false, "send an extra edition now, the slot's run being done: a run of its own, "+
		"listing for each reader only the articles they have not had")
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
	loc := cfg.Timezone
	spec, _ := p.schedule().Spec(*frequency)
	next, _ := p.schedule().Next(*frequency, p.store.Now())
	what := fmt.Sprintf("%s digest of %s", *frequency, slot.In(loc).Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(env.stdout, "Slot: the %s, the latest time %q fired (next: %s).\n", what, spec, next.In(loc).Format("2006-01-02 15:04 MST"))
	if *extra {
		if slot, err = extraSlot(ctx, p, *frequency, slot, what); err != nil {
			return err
		}
		what = fmt.Sprintf("extra %s edition of %s", *frequency, slot.In(loc).Format("2006-01-02 15:04:05 MST"))
		fmt.Fprintf(env.stdout, "Extra edition: a run of its own; each reader gets only the articles they have not had.\n")
	}
	res, err := p.digestWorker().Run(ctx, *frequency, slot)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	r := res.Run
	switch {
	case !res.Started && r.Retrying():
		fmt.Fprintf(env.stdout, "The %s was sent (run %d), but for %d temporary failures: "+
			"they are retried from %s.\n", what, r.ID, r.FailedTemp, r.RetryAt.In(loc).Format("15:04:05 MST"))
		return &exitError{exitRetry, fmt.Errorf("%s: %d temporary failures left", what, r.FailedTemp)}
	case !res.Started && r.Status == store.RunDone:
		fmt.Fprintf(env.stdout, "The %s was sent already (run %d): nothing to do. "+
			"To send what arrived since, run again with --extra.\n", what, r.ID)
		return nil
	case !res.Started:
		since := r.ClaimedAt
		if since.IsZero() {
			since = r.StartedAt
		}
		return &exitError{exitHeld, fmt.Errorf("the %s is being sent by another live process: "+
			"run %d, held by %s since %s (last heartbeat %s ago); nothing sent", what, r.ID,
			digest.Describe(r.Owner), since.In(loc).Format("2006-01-02 15:04:05 MST"),
			p.store.Now().Sub(r.HeartbeatAt).Round(time.Second))}
	}
	fmt.Fprintf(env.stdout, "Run %d, %s: %d subscribers, %d sent, %d with nothing new, "+
		"%d failed temporarily, %d bounced, %d withheld (left during the run); %s.\n", r.ID, what, r.Selected,
		r.Sent, r.SkippedEmpty, r.FailedTemp, r.FailedPerm, r.Withheld, res.Duration.Round(time.Millisecond))
	if !res.Complete {
		fmt.Fprintf(env.stdout, "Interrupted: run the same command again to send the rest.\n")
		cause := context.Cause(ctx)
		if cause == nil {
			cause = errors.New("stopped before the end")
		}
		return fmt.Errorf("%s interrupted: %w", what, cause)
	}
	if r.Retrying() {
		fmt.Fprintf(env.stdout, "%d temporary failures left: run the same command again from %s to retry them "+
			"(until the next %s slot).\n", r.FailedTemp, r.RetryAt.In(loc).Format("15:04:05 MST"), *frequency)
		return &exitError{exitRetry, fmt.Errorf("%s: %d temporary failures left", what, r.FailedTemp)}
	}
	return nil
}

// extraSlot is the identity of an extra edition of frequency started now,
// after the run of slot: that run must be done, with no temporary failures
// left to retry (their retry would repeat what the extra edition sends).
func extraSlot(ctx context.Context, p *parts, frequency string, slot time.Time, what string) (time.Time, error) {
	run, err := p.store.RunOfSlot(ctx, frequency, slot)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && run.Status != store.RunDone):
		return time.Time{}, fmt.Errorf("--extra: the %s is not sent yet: run digest send without --extra", what)
	case err != nil:
		return time.Time{}, err
	case run.Retrying():
		return time.Time{}, fmt.Errorf("--extra: the %s still has %d temporary failures to retry (from %s): "+
			"run digest send without --extra until they are done", what, run.FailedTemp, run.RetryAt.Format(time.RFC3339))
	}
	extra := p.store.Now().Truncate(time.Second)
	if !extra.After(slot) {
		extra = slot.Add(time.Second)
	}
	return extra, nil
}

// cmdDigestPreview prints the digest an address would get now, sending
// nothing: a summary and the text part, or with --html the HTML part alone
// (to open in a browser), the summary going to stderr then.
func cmdDigestPreview(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("digest preview")
	email := fs.String("email", "", "the subscriber's address (required)")
	asHTML := fs.Bool("html", false, "print the HTML part of the mail instead of the text part")
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
	summary := env.stdout
	if *asHTML {
		summary = env.stderr
	}
	sub, loc := pv.Subscriber, cfg.Timezone
	fmt.Fprintf(summary, "Subscriber: %s (%s, %s, %s, countries %s)\n", sub.Email, sub.Status, sub.Frequency, sub.Locale, countryList(sub.Countries))
	fmt.Fprintf(summary, "New since: %s\n", pv.From.In(loc).Format("2006-01-02 15:04 MST"))
	if sub.Status != store.StatusActive {
		fmt.Fprintf(summary, "Note: this subscriber is %s; digest runs send them nothing.\n", sub.Status)
	}
	if pv.Total == 0 {
		fmt.Fprintln(summary, "Nothing new: no digest would be sent.")
		return nil
	}
	fmt.Fprintf(summary, "Articles: %d (%d listed)\nSubject: %s\n", pv.Total, pv.Listed, pv.Subject)
	if *asHTML {
		fmt.Fprint(env.stdout, pv.HTML)
		return nil
	}
	fmt.Fprintf(env.stdout, "\n%s", pv.Text)
	return nil
}

// countryList is codes as an operator writes them, or "all".
func countryList(codes []string) string {
	if len(codes) == 0 {
		return "all"
	}
	return strings.Join(codes, ",")
}
