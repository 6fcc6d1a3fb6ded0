package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/server"
)

// RemindAfter is how long a signup stays unconfirmed before its one reminder.
const RemindAfter = 48 * time.Hour

// remindPending queues the one reminder of each signup unconfirmed for
// RemindAfter, as long as its confirmation link would still be young enough
// to matter (digest.ConfirmTTL).
func remindPending(ctx context.Context, p *parts) {
	if n, err := p.store.QueueReminders(ctx, RemindAfter, digest.ConfirmTTL); err != nil {
		p.log.Error("queue reminders", "err", err)
	} else if n > 0 {
		p.log.Info("reminded unconfirmed sign-ups", "count", n)
	}
}

// readersConfig is the configuration of the readers' side: the archive and
// the feed categories that mark breaking news.
type readersConfig struct {
	Archive         time.Duration // how long editions stay public; 0: the archive is off
	AlertCategories []string      // feed categories that mark breaking news
}

// resolveReaders reads the readers' settings, adding what is wrong to errs.
func resolveReaders(v func(string) string, errs []error) (readersConfig, []error) {
	var c readersConfig
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", optName(name), err)) }
	switch raw := strings.ToLower(v("archive")); raw {
	case "off", "0":
	default:
		d, err := time.ParseDuration(raw)
		if err != nil || d < 24*time.Hour {
			bad("archive", errors.New("want off, or how long editions stay public: a duration of at least 24h, such as 8760h (a year)"))
		}
		c.Archive = d
	}
	c.AlertCategories = list(v("alert-categories"))
	return c, errs
}

// composeReaders tells the composer about the archive and the alerts.
func (p *parts) composeReaders() {
	if p.cfg.Archive > 0 {
		p.compose.ArchiveURL = p.compose.BaseURL + "/archive"
	}
	p.compose.ViewTTL = p.cfg.Archive // 0 (off): digest.DefaultViewTTL
}

// viewer shows digests in the browser; without the archive there is no
// public edition to fall back on.
func (p *parts) viewer() server.Viewer {
	v := &digest.Viewer{Store: p.store, Compose: p.compose}
	if p.cfg.Archive > 0 {
		v.Archive = &digest.Archive{Store: p.store, Location: p.cfg.Timezone, Retention: p.cfg.Archive}
	}
	return v
}

// archive is the public archive, or nil when it is off.
func (p *parts) archive() server.Archive {
	if p.cfg.Archive <= 0 {
		return nil
	}
	return &digest.Archive{Store: p.store, Location: p.cfg.Timezone, Retention: p.cfg.Archive}
}
