package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/feeds"
	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
)

// cmdServe runs the web app and the background workers until ctx ends, then
// stops taking requests, lets the in-flight ones and the mail in progress
// finish, and closes the database.
func cmdServe(ctx context.Context, env cmdEnv, args []string) error {
	cfg, err := parseConfig(newFlagSet("serve"), args, env.getenv)
	if err != nil {
		return err
	}
	log := newLogger(env.stderr, cfg.LogLevel)
	// Listening comes first: a port in use is the commonest failed start, and
	// the port is what a base URL left unset is derived from.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("%s: %w", optName("addr"), err)
	}
	defer ln.Close()
	derived := cfg.BaseURL == ""
	if derived {
		cfg.BaseURL = derivedBaseURL(ln.Addr().String())
	}
	p, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer p.close()

	bounces, err := p.bouncePoller()
	if err != nil {
		return err
	}
	relays, err := p.relays()
	if err != nil {
		return err
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	digests := digest.NewLauncher(workCtx, p.digestWorker(), p.schedule())
	sched, err := newScheduler(log, p.schedule(), digests, p.store.Now)
	if err != nil {
		return err
	}

	// Started even with no feeds: it retires the feeds no longer configured.
	poller := feeds.NewPoller(p.store, feedURLs(cfg.Feeds), nil, log, feeds.WithAlertCategories(cfg.AlertCategories), feeds.WithLanguages(feedLangs(cfg.Feeds)))
	e, err := server.New(server.Config{BaseURL: cfg.BaseURL, Site: p.site(), AllowedOrigins: cfg.AllowedOrigins,
		TrustedProxies: cfg.TrustedProxies, RateLimit: cfg.RateLimit},
		server.Deps{Log: log, Store: p.store, Pages: p.tpl, Links: p.links, Admin: newAdminKeys(cfg, p.store), Digests: digests,
			Metrics: server.NewMetrics(p.store, log), Desk: p.desk(poller, len(cfg.Feeds) > 0),
			Archive: p.archive(), Viewer: p.viewer(), Relays: relays})
	if err != nil {
		return err
	}
	if err := p.store.SetSetting(ctx, baseURLKey, cfg.BaseURL); err != nil {
		return err
	}
	// The socket is bound and nothing left can fail: the token goes out before
	// the "listening" line, so that whoever waits for that line finds it too.
	if err := announceAdminToken(ctx, cfg, p.store, env.stdout); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Caravan listening on http://%s (public URL %s)\n", ln.Addr(), cfg.BaseURL)
	if derived {
		fmt.Fprintf(env.stdout, "CARAVAN_BASE_URL is not set: links in e-mails use %s, derived from the listen address; "+
			"set CARAVAN_BASE_URL to the address readers reach.\n", cfg.BaseURL)
	}
	log.Info("listening", "addr", ln.Addr().String(), "database", store.Redact(cfg.Database), "mail", mailTarget(cfg))

	var wg sync.WaitGroup
	wg.Go(func() { checkRelay(workCtx, p) })
	wg.Go(func() { sched.run(workCtx) })
	outbox := &digest.Outbox{Store: p.store, Sender: p.mail, Compose: p.compose, Schedule: p.schedule(), Log: log,
		Limiter: p.pace}
	wg.Go(func() { outbox.Run(workCtx) })
	wg.Go(func() { purgeLoop(workCtx, p) })
	wg.Go(func() { complaintLoop(workCtx, p) })
	if cfg.ReconsentAfter > 0 {
		wg.Go(func() { reconsentLoop(workCtx, p) })
	}
	webhooks := "off"
	if hooks := p.webhookSender(); hooks != nil {
		webhooks = "on"
		wg.Go(func() { hooks.Run(workCtx) })
	}
	if err := p.store.SetSetting(ctx, store.SettingWebhooks, webhooks); err != nil {
		return err
	}
	if bounces != nil {
		wg.Go(func() { bounces.Run(workCtx) })
	}
	wg.Go(func() { poller.Run(workCtx, cfg.FeedInterval) })

	httpErr := make(chan error, 1)
	go func() { httpErr <- e.Server.Serve(ln) }()
	select {
	case err := <-httpErr:
		stopWork()
		wg.Wait()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := e.Server.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("http shutdown", "err", err)
	}
	stopWork()
	wg.Wait()
	log.Info("stopped")
	return nil
}

// purgeLoop deletes sign-ups never confirmed, and reminds those unconfirmed
// for two days, at start and then every few minutes.
func purgeLoop(ctx context.Context, p *parts) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if n, err := p.store.PurgePending(ctx, p.cfg.PurgeAfter); err != nil {
			p.log.Error("purge pending", "err", err)
		} else if n > 0 {
			p.log.Info("purged unconfirmed sign-ups", "count", n)
		}
		remindPending(ctx, p)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// checkRelay connects to the SMTP relay once at start (greeting, EHLO,
// STARTTLS, AUTH) and warns at once when it does not answer, rather than at
// the first sign-up whose confirmation cannot go.
func checkRelay(ctx context.Context, p *parts) {
	relay, ok := p.mail.(interface{ Probe(context.Context) error })
	if !ok {
		return // the outbox folder
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := relay.Probe(ctx); err != nil {
		p.log.Warn("the SMTP relay does not answer: mail waits in the queue and is retried; check --smtp-url (CARAVAN_SMTP_URL)",
			"err", err)
		return
	}
	p.log.Info("the SMTP relay answers")
}

func mailTarget(cfg *config) string {
	if cfg.SMTPURL == "" {
		return "outbox folder " + cfg.Outbox
	}
	return "smtp"
}

// cmdMigrate applies the database migrations and lists them.
func cmdMigrate(ctx context.Context, env cmdEnv, args []string) error {
	cfg, err := parseConfig(newFlagSet("migrate"), args, env.getenv)
	if err != nil {
		return err
	}
	p, err := build(ctx, cfg, newLogger(env.stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer p.close()
	names, err := p.store.Migrations(ctx)
	if err != nil {
		return err
	}
	for _, n := range names {
		fmt.Fprintln(env.stdout, "applied", n)
	}
	return nil
}
