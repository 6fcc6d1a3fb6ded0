package digest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caravan-news/caravan/store"
)

// DefaultViewTTL is how long a "view in browser" link works when no archive
// retention says otherwise: a year.
const DefaultViewTTL = 365 * 24 * time.Hour

// viewToken is the token of sub's "view in browser" link for run runID: it
// names what chose their articles, so the page can show the digest as sent.
func (c *Composer) viewToken(runID int64, sub store.Subscriber) string {
	return c.Links.MakeView(store.ViewRef{SubscriberID: sub.ID, RunID: runID, From: sub.DigestFrom(),
		Countries: sub.Countries, Locale: sub.Locale}, orDefault(c.ViewTTL, DefaultViewTTL))
}

// ViewStore is what the browser view of a digest needs of the store.
type ViewStore interface {
	DigestRun(ctx context.Context, id int64) (store.Run, error)
	Subscriber(ctx context.Context, id int64) (store.Subscriber, error)
	DigestArticles(ctx context.Context, from, until time.Time) ([]store.Article, error)
}

// Viewer shows a reader's digest in the browser, from the signed link in it.
// Nothing is recorded or counted: reading it in the browser is no one's business.
type Viewer struct {
	Store   ViewStore
	Compose *Composer
	Archive *Archive // the fallback when the reader is gone; nil: the archive is off
}

// View returns the HTML of the digest the token of a "view in browser" link
// names, as its reader got it (with their links). When the reader is gone
// (erased), edition is the public edition of the same run instead, and html
// empty. A bad token is store.ErrTokenInvalid or ErrTokenExpired; a run or
// edition that no longer exists, store.ErrNotFound.
func (v *Viewer) View(ctx context.Context, token string) (html string, edition store.Edition, err error) {
	ref, err := v.Compose.Links.VerifyView(token)
	if err != nil {
		return "", store.Edition{}, err
	}
	run, err := v.Store.DigestRun(ctx, ref.RunID)
	if err != nil {
		return "", store.Edition{}, fmt.Errorf("view digest: %w", err)
	}
	sub, err := v.Store.Subscriber(ctx, ref.SubscriberID)
	if errors.Is(err, store.ErrNotFound) {
		if v.Archive == nil {
			return "", store.Edition{}, fmt.Errorf("view digest: the reader is gone and the archive is off: %w", store.ErrNotFound)
		}
		day := run.Slot.In(v.Archive.location()).Format(time.DateOnly)
		edition, err = v.Archive.Edition(ctx, run.Frequency, day, "")
		return "", edition, err
	}
	if err != nil {
		return "", store.Edition{}, fmt.Errorf("view digest: %w", err)
	}
	// The digest as it was chosen: their countries and language then, their window then.
	sub.Countries, sub.Locale, sub.Frequency, sub.DigestSince, sub.ConfirmedAt = ref.Countries, ref.Locale, run.Frequency, ref.From, ref.From
	window, err := v.Store.DigestArticles(ctx, ref.From, run.Cutoff)
	if err != nil {
		return "", store.Edition{}, fmt.Errorf("view digest: %w", err)
	}
	sel := pick(window, sub, run.Cutoff)
	if sel.Total == 0 {
		return "", store.Edition{}, fmt.Errorf("view digest: no article left: %w", store.ErrNotFound)
	}
	r, err := v.Compose.renderDigest(nil, sub, sel.Articles, sel.More(), run.Cutoff)
	if err != nil {
		return "", store.Edition{}, fmt.Errorf("view digest: %w", err)
	}
	return r.HTML, store.Edition{}, nil
}
