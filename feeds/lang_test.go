package feeds_test

import (
	"os"
	"testing"

	"github.com/caravan-news/caravan/feeds"
)

// TestParseKeepsTheFeedLanguage: articles are in the language the feed names.
func TestParseKeepsTheFeedLanguage(t *testing.T) {
	for file, want := range map[string]string{"rss_fr.xml": "fr", "atom_en.xml": "en", "rss1.rdf": ""} {
		body, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		items, err := feeds.Parse(body, "https://news.example.org/feed/")
		if err != nil || len(items) == 0 {
			t.Fatalf("%s: %v", file, err)
		}
		for _, it := range items {
			if it.Lang != want {
				t.Errorf("%s: item %q has lang %q, want %q", file, it.GUID, it.Lang, want)
			}
		}
	}
}
