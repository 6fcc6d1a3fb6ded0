package digest

import (
	"context"
	"fmt"
	"time"

	"github.com/caravan-news/caravan/store"
)

// Preview is the digest one subscriber would get if their run happened now.
type Preview struct {
	Subscriber          store.Subscriber
	From, Until         time.Time // articles that arrived in between are new to them
	Listed, Total       int       // Total 0: nothing new, no mail would be sent
	Subject, Text, HTML string
}

// Preview renders what the subscriber with email would get now, whatever
// their status, sending and recording nothing. An unknown address is
// store.ErrNotFound.
func (w *Worker) Preview(ctx context.Context, email string, now time.Time) (Preview, error) {
	sub, err := w.Store.SubscriberByEmail(ctx, email)
	if err != nil {
		return Preview{}, fmt.Errorf("preview digest: %w", err)
	}
	return w.PreviewFor(ctx, sub, now)
}

// PreviewFor renders what sub would get now: a subscriber as stored, or one
// made up from choices (the editors' desk previews any countries, frequency
// and language), whose DigestSince says since when articles are new to them.
func (w *Worker) PreviewFor(ctx context.Context, sub store.Subscriber, now time.Time) (Preview, error) {
	p := Preview{Subscriber: sub, From: sub.DigestFrom(), Until: now}
	window, err := w.Store.DigestArticles(ctx, p.From, now)
	if err != nil {
		return Preview{}, fmt.Errorf("preview digest: %w", err)
	}
	sel := pick(window, sub, now)
	p.Listed, p.Total = len(sel.Articles), sel.Total
	if sel.Total == 0 {
		return p, nil
	}
	r, err := w.Compose.renderDigest(nil, sub, sel.Articles, sel.More(), now)
	if err != nil {
		return Preview{}, fmt.Errorf("preview digest: %w", err)
	}
	p.Subject, p.Text, p.HTML = r.Subject, r.Text, r.HTML
	return p, nil
}
