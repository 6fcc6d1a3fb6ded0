package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestArticleInputNormalize(t *testing.T) {
	tests := []struct {
		name    string
		in      store.ArticleInput
		want    store.ArticleInput
		wantErr string // substring naming the field; empty: valid
	}{
		{
			name: "guid defaults to url, spaces collapsed, codes ordered",
			in:   store.ArticleInput{URL: " https://Example.ORG/a?b=1 ", Title: "  Élections \n au   Kirghizistan ", Summary: " s ", Countries: []string{"KG", "kz,kg"}},
			want: store.ArticleInput{GUID: "https://example.org/a?b=1", URL: "https://example.org/a?b=1", Title: "Élections au Kirghizistan", Summary: "s", Countries: []string{"kz", "kg"}},
		},
		{
			name: "explicit guid kept",
			in:   store.ArticleInput{GUID: " tag:example.org,2026:1 ", URL: "http://example.org/1", Title: "T"},
			want: store.ArticleInput{GUID: "tag:example.org,2026:1", URL: "http://example.org/1", Title: "T"},
		},
		{name: "empty title", in: store.ArticleInput{URL: "https://example.org/a", Title: " \t "}, wantErr: "title"},
		{name: "title too long", in: store.ArticleInput{URL: "https://example.org/a", Title: strings.Repeat("é", store.MaxTitleLen+1)}, wantErr: "title"},
		{name: "relative url", in: store.ArticleInput{URL: "/a", Title: "T"}, wantErr: "url"},
		{name: "javascript url", in: store.ArticleInput{URL: "javascript:alert(1)", Title: "T"}, wantErr: "url"},
		{name: "ftp url", in: store.ArticleInput{URL: "ftp://example.org/a", Title: "T"}, wantErr: "url"},
		{name: "unknown country", in: store.ArticleInput{URL: "https://example.org/a", Title: "T", Countries: []string{"fr"}}, wantErr: "countries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			err := in.Normalize()
			if tt.wantErr != "" {
				if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrInvalid naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.GUID != tt.want.GUID || in.URL != tt.want.URL || in.Title != tt.want.Title ||
				in.Summary != tt.want.Summary || !slices.Equal(in.Countries, tt.want.Countries) {
				t.Fatalf("got %+v, want %+v", in, tt.want)
			}
		})
	}
}

func TestUpsertArticlesKeepsArrivalOfUpdatedArticle(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	pub := time.Date(2026, 11, 26, 18, 30, 0, 0, time.UTC)
	first := []store.ArticleInput{
		{GUID: "g1", URL: "https://example.org/1", Title: "Old title", Countries: []string{"kg"}, PublishedAt: pub},
		{URL: "https://example.org/2", Title: "No guid, no date"},
	}
	added, updated, err := s.UpsertArticles(ctx, 0, first)
	if err != nil || added != 2 || updated != 0 {
		t.Fatalf("first: added %d updated %d err %v", added, updated, err)
	}
	arrived := c.Now()

	c.Add(2 * time.Hour)
	second := []store.ArticleInput{
		{GUID: "g1", URL: "https://example.org/1", Title: "New title", Countries: []string{"kg", "uz"}, PublishedAt: pub},
		{URL: "https://example.org/2", Title: "No guid, no date"}, // same as before: no change
		{GUID: "g3", URL: "https://example.org/3", Title: "Third"},
	}
	added, updated, err = s.UpsertArticles(ctx, 0, second)
	if err != nil || added != 1 || updated != 1 {
		t.Fatalf("second: added %d updated %d err %v", added, updated, err)
	}

	got := byGUID(t, s)
	if len(got) != 3 {
		t.Fatalf("stored %d articles, want 3", len(got))
	}
	a := got["g1"]
	if a.Title != "New title" || !slices.Equal(a.Countries, []string{"kg", "uz"}) {
		t.Errorf("updated article = %+v", a)
	}
	if !a.ArrivedAt.Equal(arrived) || !a.UpdatedAt.Equal(c.Now()) || !a.PublishedAt.Equal(pub) {
		t.Errorf("times: arrived %v updated %v published %v; want arrived %v", a.ArrivedAt, a.UpdatedAt, a.PublishedAt, arrived)
	}
	b := got["https://example.org/2"]
	if !b.PublishedAt.Equal(arrived) || !b.ArrivedAt.Equal(arrived) {
		t.Errorf("undated article: published %v arrived %v, want both %v", b.PublishedAt, b.ArrivedAt, arrived)
	}
	if got["g3"].ArrivedAt.Equal(arrived) {
		t.Errorf("new article arrived at %v, want the later clock", got["g3"].ArrivedAt)
	}
}

func TestUpsertArticlesRejectsWholeBatch(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	items := []store.ArticleInput{
		{URL: "https://example.org/ok", Title: "Fine"},
		{URL: "https://example.org/bad", Title: ""},
	}
	_, _, err := s.UpsertArticles(ctx, 0, items)
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "article 2") {
		t.Fatalf("err = %v, want ErrInvalid naming article 2", err)
	}
	if got := byGUID(t, s); len(got) != 0 {
		t.Fatalf("stored %d articles from a rejected batch", len(got))
	}
}

func TestUpsertArticlesRecordsFeed(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	feeds, err := s.EnsureFeeds(ctx, []string{"https://example.org/feed.xml"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpsertArticles(ctx, feeds[0].ID, []store.ArticleInput{{URL: "https://example.org/f", Title: "From feed"}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UpsertArticles(ctx, 0, []store.ArticleInput{{URL: "https://example.org/api", Title: "From API"}}); err != nil {
		t.Fatal(err)
	}
	got := byGUID(t, s)
	if got["https://example.org/f"].FeedID != feeds[0].ID || got["https://example.org/api"].FeedID != 0 {
		t.Fatalf("feed ids: %+v", got)
	}
}

func TestArticlesNewestArrivedFirst(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	for i, g := range []string{"a", "b", "c"} {
		// Published dates run backwards: the order must follow arrival, not publication.
		in := store.ArticleInput{GUID: g, URL: "https://example.org/" + g, Title: g, PublishedAt: time.Date(2020, 1, 10-i, 0, 0, 0, 0, time.UTC)}
		if _, _, err := s.UpsertArticles(ctx, 0, []store.ArticleInput{in}); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Minute)
	}
	list, err := s.Articles(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].GUID != "c" || list[1].GUID != "b" {
		t.Fatalf("articles = %+v", list)
	}
}

func byGUID(t *testing.T, s *store.Store) map[string]store.Article {
	t.Helper()
	list, err := s.Articles(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Article{}
	for _, a := range list {
		out[a.GUID] = a
	}
	return out
}
