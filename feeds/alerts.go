package feeds

import (
	"slices"

	"github.com/caravan-news/caravan/store"
)

// WithAlertCategories makes the items filed under one of categories (such as
// "Alerte") breaking news: CARAVAN_ALERT_CATEGORIES. Matching ignores accents
// and case, and takes the whole category.
func WithAlertCategories(categories []string) Option {
	return func(p *Poller) {
		for _, c := range categories {
			if w := store.FoldWords(c); len(w) > 0 {
				p.alerts = append(p.alerts, w)
			}
		}
	}
}

// markAlerts flags the items filed under an alert category.
func (p *Poller) markAlerts(items []store.ArticleInput) {
	if len(p.alerts) == 0 {
		return
	}
	for i := range items {
		for _, c := range items[i].Categories {
			words := store.FoldWords(c)
			if slices.ContainsFunc(p.alerts, func(a []string) bool { return slices.Equal(a, words) }) {
				items[i].Alert = true
				break
			}
		}
	}
}
