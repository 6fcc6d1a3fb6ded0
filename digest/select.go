package digest

import (
	"slices"
	"time"

	"github.com/caravan-news/caravan/store"
)

// Cap is the most articles one digest lists; the others are counted in an
// "and N more" link to the site.
const Cap = 15

// selection is what one subscriber gets from a run.
type selection struct {
	Articles []store.Article // newest published first, at most Cap
	Total    int             // every matching article, listed or not
}

// More is how many matching articles the digest does not list.
func (s selection) More() int { return s.Total - len(s.Articles) }

// pick chooses from window, the run's candidate articles newest first, those
// sub has not had yet: arrived since their previous digest's cutoff (or their
// confirmation) and before this run's cutoff, about a country they follow, in
// their language or in none given. Runs load the window
// once and call pick for every subscriber, so it touches no database.
func pick(window []store.Article, sub store.Subscriber, cutoff time.Time) selection {
	from := sub.DigestFrom()
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
