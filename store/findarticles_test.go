package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// TestFindArticlesFilters lists articles by country, language and arrival,
// on either backend, and keeps each article's language.
func TestFindArticlesFilters(t *testing.T) {
	c := storetest.NewClock(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	st := storetest.Open(t, store.WithClock(c.Now))
	ctx := context.Background()
	add := func(url, lang string, countries ...string) {
		t.Helper()
		if _, _, err := st.UpsertArticles(ctx, 0, []store.ArticleInput{{URL: url, Title: url, Lang: lang, Countries: countries}}); err != nil {
			t.Fatal(err)
		}
	}
	add("https://x.example/kg-fr", "fr-FR", "kg")
	add("https://x.example/kgtm-en", "en", "Turkménistan", "kg")
	c.Add(time.Hour)
	since := c.Now()
	add("https://x.example/tm", "", "tm")
	add("https://x.example/region", "fr")
	cases := []struct {
		name string
		f    store.ArticleFilter
		want []string
	}{
		{"all", store.ArticleFilter{}, []string{"https://x.example/region", "https://x.example/tm", "https://x.example/kgtm-en", "https://x.example/kg-fr"}},
		{"country", store.ArticleFilter{Country: "kg"}, []string{"https://x.example/kgtm-en", "https://x.example/kg-fr"}},
		{"country and lang", store.ArticleFilter{Country: "kg", Lang: "fr"}, []string{"https://x.example/kg-fr"}},
		{"since", store.ArticleFilter{Since: since}, []string{"https://x.example/region", "https://x.example/tm"}},
		{"country since", store.ArticleFilter{Country: "tm", Since: since}, []string{"https://x.example/tm"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			list, err := st.FindArticles(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range list {
				got = append(got, a.URL)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
	list, _ := st.FindArticles(ctx, store.ArticleFilter{Country: "kg", Lang: "fr"})
	if len(list) != 1 || list[0].Lang != "fr" {
		t.Fatalf("lang kept: %+v", list)
	}
}
