package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/store"
)

// cmdDigestTest sends a test digest to an address through the relay (or the
// outbox): the mail a reader with the given choices would get for the
// articles of the last day (daily) or week (weekly). Nothing is recorded.
func cmdDigestTest(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("digest test")
	to := fs.String("to", "", "the address to send the test digest to (required)")
	countries := fs.String("countries", "", "comma-separated countries of the made-up reader, such as kg,uz (default: all)")
	frequency := fs.String("frequency", "daily", "daily (the articles of the last day) or weekly (of the last week)")
	lang := fs.String("lang", "fr", "language of the mail: fr or en")
	cfg, err := parseConfig(fs, args, env.getenv)
	if err != nil {
		return err
	}
	if *to == "" {
		return errors.New("--to is required: the address to send the test digest to")
	}
	addr, err := store.NormalizeEmail(*to)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	codes, err := store.NormalizeCountries([]string{*countries})
	if err != nil {
		return fmt.Errorf("--countries: %w", err)
	}
	if !slices.Contains(store.Frequencies, *frequency) {
		return fmt.Errorf("--frequency: want daily or weekly, got %q", *frequency)
	}
	if !slices.Contains(store.Locales, *lang) {
		return fmt.Errorf("--lang: want fr or en, got %q", *lang)
	}
	p, err := build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer p.close()
	period := 24 * time.Hour
	if *frequency == "weekly" {
		period = 7 * period
	}
	now := p.store.Now()
	pv, err := p.digestWorker().SendTest(ctx, digest.TestDigest{To: addr, Countries: codes, Frequency: *frequency,
		Locale: *lang, Since: now.Add(-period)}, now)
	if err != nil {
		return err
	}
	if pv.Total == 0 {
		return fmt.Errorf("nothing to send: no article for countries %s arrived since %s", countryList(codes),
			pv.From.In(cfg.Timezone).Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintf(env.stdout, "Test digest sent to %s via %s: %q, %d articles (%d listed).\n",
		addr, mailTarget(cfg), pv.Subject, pv.Total, pv.Listed)
	return nil
}
