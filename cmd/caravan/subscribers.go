package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/caravan-news/caravan/store"
)

// cmdSubscribersImport adds the subscribers of a CSV file (- reads standard
// input), printing each line it skipped and why, then a summary. Without
// --confirmed, new addresses get a confirmation mail, which `caravan serve` sends.
func cmdSubscribersImport(ctx context.Context, env cmdEnv, args []string) error {
	var confirmed, welcome bool
	cfg, pos, err := parseWithArgs("subscribers import", env, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&confirmed, "confirmed", false, "the list consented elsewhere already: subscribe without confirmation mails")
		fs.BoolVar(&welcome, "welcome", false, "with --confirmed: send each new subscriber the welcome mail")
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: caravan subscribers import FILE.csv [--confirmed [--welcome]]")
	}
	if welcome && !confirmed {
		return errors.New("--welcome needs --confirmed: readers who confirm by mail get the welcome mail anyway")
	}
	in := env.stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	opt := store.ImportOptions{Confirmed: confirmed, Welcome: welcome, Source: "command line import of " + filepath.Base(pos[0])}
	rep, err := st.ImportCSV(ctx, bufio.NewReaderSize(in, 64<<10), opt, func(p store.ImportProblem) {
		fmt.Fprintf(env.stdout, "line %d: %s: %s (%s)\n", p.Line, p.Email, p.Message, p.Reason)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%d rows: %d imported, %d skipped\n", rep.Rows, rep.Imported, rep.Skipped)
	for _, reason := range slices.Sorted(maps.Keys(rep.ByReason)) {
		fmt.Fprintf(env.stdout, "  %s: %d\n", reason, rep.ByReason[reason])
	}
	if rep.MailsQueued > 0 {
		fmt.Fprintf(env.stdout, "%d confirmation mails queued; `caravan serve` sends them\n", rep.MailsQueued)
	}
	if rep.Welcomes > 0 {
		fmt.Fprintf(env.stdout, "%d welcome mails queued; `caravan serve` sends them\n", rep.Welcomes)
	}
	return nil
}

// cmdSubscribersExport writes the list as CSV to standard output, in the
// format the import reads: active subscribers, or --status.
func cmdSubscribersExport(ctx context.Context, env cmdEnv, args []string) error {
	var status string
	cfg, pos, err := parseWithArgs("subscribers export", env, args, func(fs *flag.FlagSet) {
		fs.StringVar(&status, "status", store.StatusActive, "pending, active, unsubscribed, bounced, or all")
	})
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return errors.New("usage: caravan subscribers export [--status active|pending|unsubscribed|bounced|all] > FILE.csv")
	}
	if status == "all" {
		status = ""
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	w := bufio.NewWriterSize(env.stdout, 64<<10)
	n, err := st.ExportCSV(ctx, w, status)
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "%d subscribers exported\n", n)
	return nil
}

// cmdSubscribersUnsubscribe unsubscribes an address at once, for people who ask
// by phone or letter; an address not on the list is suppressed instead.
func cmdSubscribersUnsubscribe(ctx context.Context, env cmdEnv, args []string) error {
	cfg, pos, err := parseWithArgs("subscribers unsubscribe", env, args, func(*flag.FlagSet) {})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: caravan subscribers unsubscribe ADDR")
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
	found, err := st.UnsubscribeEmail(ctx, email, store.ChannelAdmin)
	if err != nil {
		return err
	}
	if found {
		fmt.Fprintf(env.stdout, "%s is unsubscribed\n", email)
	} else {
		fmt.Fprintf(env.stdout, "%s was not on the list; it is suppressed and will never be mailed\n", email)
	}
	return nil
}

// parseWithArgs parses the configuration flags, and those extra defines, mixed
// in any order with the positional arguments, which it returns: so that
// "import FILE.csv --confirmed" works as "import --confirmed FILE.csv" does.
func parseWithArgs(name string, env cmdEnv, args []string, extra func(*flag.FlagSet)) (*config, []string, error) {
	var pos []string
	for {
		fs := newFlagSet(name)
		extra(fs)
		if c, _ := parseFlags(fs, args, env.getenv); c == nil || fs.NArg() == 0 {
			break // done, or a flag error the final parse reports
		}
		consumed := len(args) - fs.NArg()
		pos = append(pos, fs.Arg(0))
		args = append(args[:consumed:consumed], fs.Args()[1:]...)
	}
	fs := newFlagSet(name)
	extra(fs)
	cfg, err := parseFlags(fs, args, env.getenv)
	if err != nil {
		return nil, nil, err
	}
	return cfg, append(pos, fs.Args()...), nil
}
