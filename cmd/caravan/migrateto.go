package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/caravan-news/caravan/store"
)

// cmdMigrateTo is `caravan migrate-to postgres://...`: it copies the configured
// database (--database, a SQLite file) into a new PostgreSQL database, every
// table with its ids, in one transaction of the target. Stop `caravan serve`
// first; then point CARAVAN_DATABASE at the URL and start it again.
func cmdMigrateTo(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("migrate-to")
	// The target comes first, as the usage line shows it; flags may follow it.
	var target string
	if len(args) > 0 && store.IsPostgresURL(args[0]) {
		target, args = args[0], args[1:]
	}
	cfg, err := parseFlags(fs, args, env.getenv)
	if err != nil {
		return err
	}
	if target == "" && fs.NArg() == 1 {
		target = fs.Arg(0)
	}
	switch {
	case target == "" || fs.NArg() > 1 || (fs.NArg() == 1 && fs.Arg(0) != target):
		return errors.New("usage: caravan migrate-to [--database caravan.db] postgres://user:pass@host:5432/db")
	case !store.IsPostgresURL(target):
		return fmt.Errorf("migrate-to: the target must be a postgres:// URL, got %q", store.Redact(target))
	case cfg.Database == target:
		return errors.New("migrate-to: the target is the configured database itself")
	}
	fmt.Fprintf(env.stdout, "copying %s to %s\n", store.Redact(cfg.Database), store.Redact(target))
	var total int64
	_, err = store.Copy(ctx, cfg.Database, target, func(c store.CopyCount) {
		total += c.Rows
		fmt.Fprintf(env.stdout, "  %-13s %d rows\n", c.Table, c.Rows)
	})
	if err != nil {
		return fmt.Errorf("migrate-to: %w", err)
	}
	fmt.Fprintf(env.stdout, "done: %d rows copied. Set CARAVAN_DATABASE=%s and start caravan again.\n",
		total, store.Redact(target))
	return nil
}
