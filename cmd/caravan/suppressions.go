package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/caravan-news/caravan/store"
)

// cmdSuppressionsList prints the suppression list: each entry's reason and
// date, and the address while its subscriber is still on the list (erased
// addresses are a hash only). --all shows the lifted ones too.
func cmdSuppressionsList(ctx context.Context, env cmdEnv, args []string) error {
	var all bool
	cfg, pos, err := parseWithArgs("suppressions list", env, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&all, "all", false, "show the lifted suppressions too")
	})
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return errors.New("usage: caravan suppressions list [--all]")
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ADDRESS\tREASON\tSINCE\tLIFTED")
	f, n := store.SuppressionFilter{Lifted: all, Limit: store.MaxPageSize}, 0
	for {
		page, err := st.ListSuppressions(ctx, f)
		if err != nil {
			return err
		}
		for _, p := range page.Suppressions {
			addr := p.Email
			if addr == "" {
				addr = "(hash " + p.Hash[:12] + ")"
			}
			lifted := "-"
			if !p.LiftedAt.IsZero() {
				lifted = p.LiftedAt.Format("2006-01-02 15:04") + " " + p.LiftReason
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", addr, p.Reason, p.At.Format("2006-01-02 15:04"), lifted)
			n++
		}
		if page.NextCursor == "" {
			break
		}
		f.After = page.NextCursor
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "%d suppressions\n", n)
	return nil
}

// cmdSuppressionsRemove lifts the suppression of an address, recording why:
// it can be mailed again. Nobody who left is brought back by it; a reader whom
// only a bounce took off the list is active again.
func cmdSuppressionsRemove(ctx context.Context, env cmdEnv, args []string) error {
	var reason string
	cfg, pos, err := parseWithArgs("suppressions remove", env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&reason, "reason", "", "why the suppression is lifted, kept with it")
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New(`usage: caravan suppressions remove ADDR [--reason "why"]`)
	}
	email, err := store.NormalizeEmail(pos[0])
	if err != nil {
		return fmt.Errorf("%q: %w", pos[0], err)
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	sup, err := st.LiftSuppression(ctx, email, "command line", strings.TrimSpace(reason))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s is not suppressed", email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s: suppression (%s, since %s) lifted: %s\n", email, sup.Reason,
		sup.At.Format("2006-01-02"), sup.LiftReason)
	if sup.SubscriberID != 0 {
		if sub, err := st.Subscriber(ctx, sup.SubscriberID); err == nil {
			fmt.Fprintf(env.stdout, "the subscriber is %s\n", sub.Status)
		}
	}
	return nil
}
