package digest

import (
	"context"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/caravan-news/caravan/store"
)

// TestDigest is what a test digest is for: made-up choices, a real address.
type TestDigest struct {
	To        string
	Countries []string // none: all
	Frequency string
	Locale    string
	Since     time.Time // articles that arrived since then are listed
}

// SendTest renders the digest a reader with t's choices would get for the
// articles that arrived since t.Since, and sends it to t.To through the
// mailer, the relay when one is set: an operator sees the real mail in a real
// inbox. Its subject says it is a test, its links belong to no reader, and
// nothing is recorded. Nothing new is no mail: Total is 0.
func (w *Worker) SendTest(ctx context.Context, t TestDigest, now time.Time) (Preview, error) {
	sub := store.Subscriber{Email: t.To, Status: store.StatusActive, Countries: t.Countries,
		Frequency: t.Frequency, Locale: t.Locale, DigestSince: t.Since}
	p := Preview{Subscriber: sub, From: t.Since, Until: now}
	window, err := w.Store.DigestArticles(ctx, t.Since, now)
	if err != nil {
		return Preview{}, fmt.Errorf("test digest: %w", err)
	}
	sel := pick(window, sub, now)
	p.Listed, p.Total = len(sel.Articles), sel.Total
	if sel.Total == 0 {
		return p, nil
	}
	m, err := w.Compose.Digest(sub, sel.Articles, sel.More(), now)
	if err != nil {
		return Preview{}, fmt.Errorf("test digest: %w", err)
	}
	if s := m.GetGenHeader(gomail.HeaderSubject); len(s) > 0 {
		p.Subject = "[Test] " + s[0]
		m.Subject(p.Subject)
	}
	if err := w.Sender.Send(ctx, m); err != nil {
		return Preview{}, fmt.Errorf("test digest to %s: %w", t.To, err)
	}
	return p, nil
}
