package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/caravan-news/caravan/feeds"
	"github.com/caravan-news/caravan/store"
)

// cmdFeedsPoll fetches every configured feed once and prints what each gave.
func cmdFeedsPoll(ctx context.Context, env cmdEnv, args []string) error {
	cfg, err := parseConfig(newFlagSet("feeds poll"), args, env.getenv)
	if err != nil {
		return err
	}
	if len(cfg.Feeds) == 0 {
		return errors.New("no feeds configured: set CARAVAN_FEEDS (or --feeds) to comma-separated RSS/Atom URLs")
	}
	log := newLogger(env.stderr, cfg.LogLevel)
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	sum, err := feeds.NewPoller(st, feedURLs(cfg.Feeds), nil, log, feeds.WithAlertCategories(cfg.AlertCategories), feeds.WithLanguages(feedLangs(cfg.Feeds))).PollAll(ctx)
	if err != nil {
		return err
	}
	for _, r := range sum.Feeds {
		switch {
		case r.Err != nil:
			fmt.Fprintf(env.stdout, "%s: error: %v\n", r.URL, r.Err)
		case r.Elsewhere:
			fmt.Fprintf(env.stdout, "%s: being polled by another process, left to it\n", r.URL)
		case r.NotModified:
			fmt.Fprintf(env.stdout, "%s: not modified\n", r.URL)
		default:
			fmt.Fprintf(env.stdout, "%s: %d new, %d updated, %d skipped\n", r.URL, r.New, r.Updated, r.Skipped)
		}
	}
	if n := sum.Failed(); n > 0 {
		return fmt.Errorf("%d of %d feeds failed", n, len(sum.Feeds))
	}
	return nil
}

// cmdArticlesImport adds the articles of a JSON file: one object or an array,
// the same JSON as POST /api/admin/articles. Bad items are reported by index;
// the good ones are stored.
func cmdArticlesImport(ctx context.Context, env cmdEnv, args []string) error {
	cfg, pos, err := parseWithArgs("articles import", env, args, func(*flag.FlagSet) {})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: caravan articles import FILE.json")
	}
	body, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	items, err := store.DecodeArticles(body)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.AddArticles(ctx, items)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%d added, %d updated, %d rejected\n", res.Added, res.Updated, len(res.Rejected))
	for _, r := range res.Rejected {
		fmt.Fprintf(env.stdout, "  item %d: %s\n", r.Index, r.Reason)
	}
	if len(res.Rejected) > 0 {
		return fmt.Errorf("%d articles rejected", len(res.Rejected))
	}
	return nil
}
