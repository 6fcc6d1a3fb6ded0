package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/time/rate"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// parts are the pieces every command builds from the configuration, wired explicitly.
type parts struct {
	cfg     *config
	log     *slog.Logger
	store   *store.Store
	tpl     *templates.Set
	links   *store.Signer
	mail    mailer.Sender
	pace    *rate.Limiter // the relay's send-rate ceiling, one for the whole process
	compose *digest.Composer
}

// build opens the store and builds the mail pipeline.
func build(ctx context.Context, cfg *config, log *slog.Logger) (*parts, error) {
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	p := &parts{cfg: cfg, log: log, store: st}
	if err := p.init(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return p, nil
}

func (p *parts) init(ctx context.Context) error {
	secret := p.cfg.Secret
	if secret == "" {
		var err error
		if secret, _, err = p.store.EnsureSetting(ctx, "secret", randomText); err != nil {
			return err
		}
	}
	p.links = store.NewSigner(secret, p.store.Now)
	if err := p.resolveBaseURL(ctx); err != nil {
		return err
	}
	var err error
	if p.tpl, err = templates.Load(); err != nil {
		return err
	}
	p.mail, err = mailer.New(mailer.Config{SMTPURL: p.cfg.SMTPURL, OutboxDir: p.cfg.Outbox, Workers: p.cfg.SendWorkers,
		DKIMKeyPEM: p.cfg.DKIMKey, DKIMSelector: p.cfg.DKIMSelector, DKIMDomain: p.cfg.DKIMDomain, Logger: p.log})
	if err != nil {
		return err
	}
	p.pace = mailer.NewLimiter(p.cfg.SendRate)
	p.compose, err = digest.NewComposer(p.cfg.From, p.cfg.BaseURL, p.cfg.SiteName, p.cfg.Accent, p.cfg.Timezone, p.links, p.tpl)
	if err != nil {
		return fmt.Errorf("%s: %w", optName("from"), err)
	}
	if p.compose.From.Name == "" {
		p.compose.From.Name = p.cfg.SiteName
	}
	p.compose.SiteURL, p.compose.LogoURL = p.cfg.SiteURL, p.cfg.LogoURL
	p.compose.FeedbackID, p.compose.ReturnPath = p.cfg.FeedbackID, p.cfg.ReturnPath
	p.composeReaders()
	return nil
}

// site is how the pages present the newsletter.
func (p *parts) site() templates.Site {
	return templates.Site{Name: p.cfg.SiteName, Accent: p.cfg.Accent, LogoURL: p.cfg.LogoURL, BaseURL: p.cfg.BaseURL,
		From: p.compose.From.Name + " (" + p.compose.From.Address + ")", DailyAt: p.cfg.DailyAt, WeeklyAt: p.cfg.WeeklyAt,
		Archive: p.cfg.Archive > 0}
}

// baseURLKey is the setting where caravan serve records its public URL, so
// that commands run without CARAVAN_BASE_URL put the same links in mails.
const baseURLKey = "base_url"

// resolveBaseURL fills in the public URL when none is configured: the one
// caravan serve last used, else one derived from the listen address.
func (p *parts) resolveBaseURL(ctx context.Context) error {
	if p.cfg.BaseURL != "" {
		return nil
	}
	stored, err := p.store.Setting(ctx, baseURLKey)
	switch {
	case err == nil:
		p.cfg.BaseURL = stored
	case errors.Is(err, store.ErrNotFound):
		p.cfg.BaseURL = derivedBaseURL(p.cfg.Addr)
	default:
		return err
	}
	return nil
}

// close releases the mail connections and the database.
func (p *parts) close() error {
	var err error
	if p.mail != nil {
		err = p.mail.Close()
	}
	return errors.Join(err, p.store.Close())
}

func randomText() (string, error) { return rand.Text() + rand.Text(), nil }
