package feeds_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/feeds"
)

// TestFeedItemWithNULCostsNothing: one item of a JSON Feed with \u0000 in its
// text made PostgreSQL refuse the feed's whole batch on every poll, so the
// good items were lost until that one left the feed. Every item is stored,
// without the NUL.
func TestFeedItemWithNULCostsNothing(t *testing.T) {
	st, _ := openStore(t)
	body := `{"version": "https://jsonfeed.org/version/1.1", "title": "Novastan", "items": [
		{"id": "j1", "url": "https://novastan.example/fr/1", "title": "Bichkek vote"},
		{"id": "j\u00002", "url": "https://novastan.example/fr/2", "title": "Achgabat\u0000 sous la neige", "content_text": "Froid\u0000."},
		{"id": "j3", "url": "https://novastan.example/fr/3", "title": "Tachkent"}]}`
	srv := httptest.NewServer(serve([]byte(body), "application/feed+json"))
	defer srv.Close()
	sum, err := feeds.NewPoller(st, []string{srv.URL}, nil, nil).PollAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r := sum.Feeds[0]; r.Err != nil || r.New != 3 {
		t.Fatalf("poll: %+v", r)
	}
	got := articlesByURL(t, st)
	a := got["https://novastan.example/fr/2"]
	if a.Title != "Achgabat sous la neige" || a.Summary != "Froid." || strings.ContainsRune(a.GUID, 0) {
		t.Fatalf("stored %+v", a)
	}
}
