// Package feeds polls the configured RSS and Atom feeds and stores their items
// as articles. Fetching (fetch.go), parsing (parse.go), country matching
// (countries.go) and scheduling (this file) are kept apart. It knows nothing of
// HTTP servers.
package feeds

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/caravan-news/caravan/store"
)

// DefaultParallel is how many feeds are fetched at once.
const DefaultParallel = 4

// DefaultInterval is how often Run polls when given no interval.
const DefaultInterval = 15 * time.Minute

// Store is what the poller needs from persistence.
type Store interface {
	EnsureFeeds(ctx context.Context, urls []string) ([]store.Feed, error)
	FeedPolled(ctx context.Context, id int64, etag, lastModified string, pollErr error, newArticles int) error
	UpsertArticles(ctx context.Context, feedID int64, items []store.ArticleInput) (added, updated int, err error)
	LeaseFeed(ctx context.Context, id int64, owner string, lease, fresh time.Duration) (bool, error)
	ReleaseFeed(ctx context.Context, id int64, owner string) error
}

// Result is the outcome of polling one feed.
type Result struct {
	URL         string
	New         int   // articles seen for the first time
	Updated     int   // known articles whose title, summary, link or countries changed
	Skipped     int   // items dropped as invalid (no link, no title...)
	NotModified bool  // the server answered 304
	Elsewhere   bool  // left alone: another instance polls it, or polled it within the interval
	Err         error // nil when the poll succeeded
}

// Summary is the outcome of one PollAll, one Result per feed in configuration order.
type Summary struct {
	Feeds []Result
}

// New counts the new articles of all feeds.
func (s Summary) New() int {
	n := 0
	for _, r := range s.Feeds {
		n += r.New
	}
	return n
}

// Elsewhere counts the feeds left to another instance.
func (s Summary) Elsewhere() int {
	n := 0
	for _, r := range s.Feeds {
		if r.Elsewhere {
			n++
		}
	}
	return n
}

// Failed counts the feeds whose poll failed.
func (s Summary) Failed() int {
	n := 0
	for _, r := range s.Feeds {
		if r.Err != nil {
			n++
		}
	}
	return n
}

// Poller fetches the configured feeds and stores their articles.
type Poller struct {
	st       Store
	urls     []string
	client   *http.Client
	log      *slog.Logger
	maxBytes int64
	parallel int
	owner    string            // this poller's name on the feeds it leases
	lease    time.Duration     // how long one poll may hold its feed
	langs    map[string]string // feed URL → the language of its articles, as configured
	alerts   [][]string        // categories that mark breaking news, folded (see alerts.go)
}

// Option changes how NewPoller builds a Poller.
type Option func(*Poller)

// WithMaxBytes caps the size of a feed body (default DefaultMaxBytes).
func WithMaxBytes(n int64) Option { return func(p *Poller) { p.maxBytes = n } }

// WithParallel sets how many feeds are fetched at once (default DefaultParallel).
func WithParallel(n int) Option { return func(p *Poller) { p.parallel = n } }

// WithLanguages says which language the articles of some feeds are in (feed
// URL → language code), whatever their <language> says: CARAVAN_FEEDS's
// "fr=https://…" entries.
func WithLanguages(langs map[string]string) Option { return func(p *Poller) { p.langs = langs } }

// NewPoller returns a poller of urls. client may be nil; where it sets no
// timeout or redirect policy, DefaultTimeout and MaxRedirects apply. log may be
// nil to log nothing.
func NewPoller(st Store, urls []string, client *http.Client, log *slog.Logger, opts ...Option) *Poller {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	p := &Poller{st: st, urls: urls, client: withDefaults(client), log: log,
		maxBytes: DefaultMaxBytes, parallel: DefaultParallel,
		owner: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])}
	// A poll is one request bounded by the client's timeout, then a parse and
	// one transaction: a lease twice that long outlives any poll that is alive.
	p.lease = 2*p.client.Timeout + time.Minute
	for _, o := range opts {
		o(p)
	}
	p.parallel = max(p.parallel, 1)
	if p.maxBytes <= 0 {
		p.maxBytes = DefaultMaxBytes
	}
	return p
}

// PollAll polls every feed once, a few at a time, but those another instance
// is polling at that moment (Result.Elsewhere). A feed that fails, is slow or
// is too big only fails itself: its error is recorded on the feed and in its
// Result, and the other feeds are polled as usual. The error is for what stops
// the whole poll: the store cannot list the feeds, or ctx ends. Feeds no
// longer configured are retired first (see store.EnsureFeeds).
func (p *Poller) PollAll(ctx context.Context) (Summary, error) {
	return p.pollAll(ctx, 0)
}

// pollAll is PollAll leaving alone, too, the feeds polled less than fresh ago.
func (p *Poller) pollAll(ctx context.Context, fresh time.Duration) (Summary, error) {
	feeds, err := p.st.EnsureFeeds(ctx, p.urls)
	if err != nil {
		return Summary{}, fmt.Errorf("poll feeds: %w", err)
	}
	if len(feeds) == 0 {
		return Summary{}, nil
	}
	sum := Summary{Feeds: make([]Result, len(feeds))}
	sem := make(chan struct{}, p.parallel)
	var wg sync.WaitGroup
	for i, f := range feeds {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
				sum.Feeds[i] = p.leaseAndPoll(ctx, f, fresh)
			case <-ctx.Done():
				sum.Feeds[i] = Result{URL: f.URL, Err: ctx.Err()}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("poll feeds: %w", err)
	}
	return sum, nil
}

// Run polls at once, then every interval, until ctx ends. Failures are logged,
// never fatal: the next round tries again. Several instances running it on one
// database share the work: each round leaves alone the feeds another instance
// polled within the last three quarters of an interval, so that each feed is
// polled about once an interval, whoever does it.
func (p *Poller) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	if len(p.urls) == 0 {
		if _, err := p.st.EnsureFeeds(ctx, nil); err != nil && ctx.Err() == nil {
			p.log.Error("retire feeds", "error", err)
		}
		p.log.Info("no feeds configured; feed poller idle")
		<-ctx.Done()
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if sum, err := p.pollAll(ctx, interval*3/4); err != nil {
			if ctx.Err() == nil {
				p.log.Error("poll feeds", "error", err)
			}
		} else {
			p.log.Info("feeds polled", "feeds", len(sum.Feeds), "new", sum.New(), "failed", sum.Failed(),
				"elsewhere", sum.Elsewhere())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// leaseAndPoll polls f if this poller gets its lease (see store.LeaseFeed),
// and gives the lease back after.
func (p *Poller) leaseAndPoll(ctx context.Context, f store.Feed, fresh time.Duration) Result {
	ok, err := p.st.LeaseFeed(ctx, f.ID, p.owner, p.lease, fresh)
	if err != nil {
		return Result{URL: f.URL, Err: err}
	}
	if !ok {
		p.log.Debug("feed left to another instance", "feed_url", redact(f.URL))
		return Result{URL: f.URL, Elsewhere: true}
	}
	defer func() {
		// Even when shutting down: another instance may then poll it at once.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := p.st.ReleaseFeed(rctx, f.ID, p.owner); err != nil {
			p.log.Warn("feed lease not released", "feed_url", redact(f.URL), "error", err)
		}
	}()
	return p.poll(ctx, f)
}

// poll polls one feed and records the outcome on it.
func (p *Poller) poll(ctx context.Context, f store.Feed) Result {
	res, etag, lastModified, err := p.fetchAndStore(ctx, f)
	if ctx.Err() != nil {
		// Shutting down: the feed did nothing wrong, so nothing is recorded against it.
		res.Err = errors.Join(err, ctx.Err())
		return res
	}
	if rerr := p.st.FeedPolled(ctx, f.ID, etag, lastModified, err, res.New); rerr != nil {
		err = errors.Join(err, rerr)
	}
	res.Err = err
	switch {
	case err != nil:
		p.log.Warn("feed poll failed", "feed_url", redact(f.URL), "error", err)
	case res.New > 0 || res.Updated > 0:
		p.log.Info("feed polled", "feed_url", redact(f.URL), "new", res.New, "updated", res.Updated, "skipped", res.Skipped)
	default:
		p.log.Debug("feed polled", "feed_url", redact(f.URL), "not_modified", res.NotModified, "skipped", res.Skipped)
	}
	return res
}

// fetchAndStore fetches, parses and stores one feed, returning the validators to
// keep. A panic in a parser becomes this feed's error instead of the process's end.
func (p *Poller) fetchAndStore(ctx context.Context, f store.Feed) (res Result, etag, lastModified string, err error) {
	res.URL = f.URL
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while polling: %v", r)
		}
	}()
	got, err := fetch(ctx, p.client, f, p.maxBytes)
	if err != nil {
		return res, "", "", err
	}
	if got.notModified {
		res.NotModified = true
		return res, got.etag, got.lastModified, nil
	}
	items, err := Parse(got.body, got.url)
	if err != nil {
		return res, "", "", err
	}
	if lang := p.langs[f.URL]; lang != "" {
		for i := range items {
			items[i].Lang = lang
		}
	}
	p.markAlerts(items)
	valid := items[:0]
	for _, it := range items {
		if err := it.Normalize(); err != nil {
			res.Skipped++
			p.log.Warn("feed item skipped", "feed_url", redact(f.URL), "guid", it.GUID, "error", err)
			continue
		}
		valid = append(valid, it)
	}
	res.New, res.Updated, err = p.st.UpsertArticles(ctx, f.ID, valid)
	if err != nil {
		return res, "", "", fmt.Errorf("store articles: %w", err)
	}
	return res, got.etag, got.lastModified, nil
}

// redact hides a password that a feed URL may carry before it reaches a log.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable feed URL)"
	}
	return u.Redacted()
}
