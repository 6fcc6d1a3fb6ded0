package digest

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/caravan-news/caravan/store"
)

// Cap is the most articles one digest lists; the others are counted in an
// "and N more" link to the site.
const Cap = 15

// Reach is how far back before a run's cutoff a digest reaches: a reader
// whose mail failed for longer than that (or who came back after a long
// pause) gets the latest Reach of news, not the whole archive, and a reader
// who fails for ever costs every later run no more than that.
const Reach = 31 * 24 * time.Hour

// selection is what one subscriber gets from a run.
type selection struct {
	Articles []store.Article // newest published first, at most Cap
	Total    int             // every matching article, listed or not
}

// More is how many matching articles the digest does not list.
func (s selection) More() int { return s.Total - len(s.Articles) }

// pick chooses from window, the run's candidate articles newest first, those
// sub has not had yet: arrived since their previous digest's cutoff (or their
// confirmation, and within Reach) and before this run's cutoff, about a
// country they follow, in their language or in none given. Runs load the
// window as pages need it (see window.cover) and call pick for every
// subscriber, so it touches no database.
func pick(window []store.Article, sub store.Subscriber, cutoff time.Time) selection {
	from := owedFrom(sub, cutoff)
	var sel selection
	for _, a := range window {
		if a.ArrivedAt.Before(from) || !a.ArrivedAt.Before(cutoff) || !follows(sub.Countries, a.Countries) ||
			(a.Lang != "" && a.Lang != sub.Locale) {
			continue
		}
		sel.Total++
		if sel.Articles == nil {
			sel.Articles = make([]store.Article, 0, min(Cap, len(window)))
		}
		if len(sel.Articles) < Cap {
			sel.Articles = append(sel.Articles, a)
		}
	}
	return sel
}

// follows tells whether a reader of the countries chosen gets an article about
// about. No choice means all countries; an article about no country is
// regional news, for everyone.
func follows(chosen, about []string) bool {
	if len(chosen) == 0 || len(about) == 0 {
		return true
	}
	for _, c := range about {
		if slices.Contains(chosen, c) {
			return true
		}
	}
	return false
}

// owedFrom is when the articles owed to sub by a digest with cutoff start.
func owedFrom(sub store.Subscriber, cutoff time.Time) time.Time {
	return later(sub.DigestFrom(), cutoff.Add(-Reach))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// window is a run's candidate articles, arrived from from until the run's
// cutoff, newest published first. It grows back in time as the pages of
// readers need: each reader is owed the articles since their own start, read
// when their page comes, so that one whose start moved back during the run
// (a weekly reader switching to daily) is served in full, and one failing
// for weeks widens only the window of the run that reaches them.
type window struct {
	load     func(ctx context.Context, from, until time.Time) ([]store.Article, error)
	cutoff   time.Time
	from     time.Time // zero: nothing loaded yet
	articles []store.Article
}

// cover loads the articles the readers of page are owed that the window
// does not hold yet.
func (w *window) cover(ctx context.Context, page []store.Subscriber) error {
	need := w.cutoff
	for _, sub := range page {
		if f := owedFrom(sub, w.cutoff); f.Before(need) {
			need = f
		}
	}
	until := w.cutoff
	if !w.from.IsZero() {
		if !need.Before(w.from) {
			return nil
		}
		until = w.from
	}
	if !need.Before(until) {
		return nil
	}
	older, err := w.load(ctx, need, until)
	if err != nil {
		return err
	}
	w.from = need
	if len(older) == 0 {
		return nil
	}
	w.articles = append(w.articles, older...)
	slices.SortStableFunc(w.articles, func(a, b store.Article) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return nil
}
