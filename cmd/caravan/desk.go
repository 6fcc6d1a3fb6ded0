package main

import (
	"context"
	"time"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/feeds"
	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
)

// desk is what the editors' desk drives besides the store; it offers to
// poll the feeds when some are configured.
func (p *parts) desk(poller *feeds.Poller, hasFeeds bool) server.DeskParts {
	d := server.DeskParts{Preview: deskPreviewer{p.digestWorker()}, Schedule: p.schedule(), Zone: p.cfg.Timezone}
	if hasFeeds {
		d.Poller = deskPoller{poller}
	}
	return d
}

// deskPoller polls the feeds when an editor asks.
type deskPoller struct{ p *feeds.Poller }

// PollNow fetches every feed once and counts the new articles.
func (d deskPoller) PollNow(ctx context.Context) (int, error) {
	sum, err := d.p.PollAll(ctx)
	return sum.New(), err
}

// deskPreviewer lets the editors' desk render digests and send tests through
// the digest worker and the configured relay.
type deskPreviewer struct {
	w *digest.Worker
}

func (d deskPreviewer) now() time.Time { return d.w.Store.Now() }

// PreviewReader is the digest the reader of email would get now.
func (d deskPreviewer) PreviewReader(ctx context.Context, email string) (server.DigestPreview, error) {
	p, err := d.w.Preview(ctx, email, d.now())
	return fromPreview(p), err
}

// PreviewChoices is the digest of a reader with c's choices whose previous
// digest went one period ago.
func (d deskPreviewer) PreviewChoices(ctx context.Context, c server.Choices) (server.DigestPreview, error) {
	now := d.now()
	sub := store.Subscriber{Status: store.StatusActive, Countries: c.Countries, Frequency: c.Frequency, Locale: c.Locale,
		DigestSince: periodStart(c.Frequency, now)}
	p, err := d.w.PreviewFor(ctx, sub, now)
	return fromPreview(p), err
}

// SendTest sends that digest to to, marked as a test.
func (d deskPreviewer) SendTest(ctx context.Context, to string, c server.Choices) (server.DigestPreview, error) {
	now := d.now()
	p, err := d.w.SendTest(ctx, digest.TestDigest{To: to, Countries: c.Countries, Frequency: c.Frequency, Locale: c.Locale,
		Since: periodStart(c.Frequency, now)}, now)
	return fromPreview(p), err
}

// periodStart is when a frequency's previous digest went, about: a day or a week ago.
func periodStart(frequency string, now time.Time) time.Time {
	if frequency == "weekly" {
		return now.AddDate(0, 0, -7)
	}
	return now.AddDate(0, 0, -1)
}

func fromPreview(p digest.Preview) server.DigestPreview {
	return server.DigestPreview{Subject: p.Subject, Text: p.Text, HTML: p.HTML, Listed: p.Listed, Total: p.Total,
		From: p.From, Until: p.Until}
}
