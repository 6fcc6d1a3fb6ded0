package feeds_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/caravan-news/caravan/feeds"
)

const alertFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Novastan</title><link>https://novastan.example/</link>
<item><title>Séisme au sud du Kirghizistan</title><link>https://novastan.example/seisme</link>
<category>ALERTE</category><category>Kirghizistan</category></item>
<item><title>Le marché de Tachkent</title><link>https://novastan.example/marche</link>
<category>Ouzbékistan</category><category>Alertes météo du mois</category></item>
</channel></rss>`

// TestAlertCategoryMarksBreakingNews: an item filed under the configured
// alert category (accents and case aside) is stored as breaking news; a
// category that merely contains the word is not the marker.
func TestAlertCategoryMarksBreakingNews(t *testing.T) {
	st, _ := openStore(t)
	srv := httptest.NewServer(serve([]byte(alertFeed), "application/rss+xml"))
	defer srv.Close()
	if _, err := feeds.NewPoller(st, []string{srv.URL}, nil, nil, feeds.WithAlertCategories([]string{"Alerte"})).
		PollAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := articlesByURL(t, st)
	if a := got["https://novastan.example/seisme"]; !a.Alert || len(a.Countries) != 1 || a.Countries[0] != "kg" {
		t.Errorf("the alert item: %+v", a)
	}
	if a := got["https://novastan.example/marche"]; a.Alert {
		t.Errorf("an item without the marker is an alert: %+v", a)
	}
}
