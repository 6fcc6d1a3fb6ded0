package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestHiddenArticlesAreNeverInADigest(t *testing.T) {
	s, clock := newStore(t)
	ctx := context.Background()
	start := clock.Now()
	if _, err := s.AddArticles(ctx, []store.ArticleInput{
		{URL: "https://news.example.org/kept", Title: "Kept", Countries: []string{"kg"}},
		{URL: "https://news.example.org/hidden", Title: "Hidden story", Countries: []string{"kg"}},
	}); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	list, err := s.DeskArticles(ctx, store.DeskArticleFilter{Query: "HIDDEN"})
	if err != nil || len(list) != 1 {
		t.Fatalf("search by title: %v %v", list, err)
	}
	if _, err := s.HideArticle(ctx, list[0].ID, true); err != nil {
		t.Fatal(err)
	}
	window, err := s.DigestArticles(ctx, start, clock.Now())
	if err != nil || len(window) != 1 || window[0].Title != "Kept" {
		t.Fatalf("digest window with a hidden article: %v %v", window, err)
	}
	if latest, err := s.LatestArticles(ctx, 10); err != nil || len(latest) != 1 || latest[0].Title != "Kept" {
		t.Fatalf("the welcome mail's latest articles hold a hidden one: %v %v", latest, err)
	}
	if hidden, _ := s.DeskArticles(ctx, store.DeskArticleFilter{Hidden: "yes"}); len(hidden) != 1 || hidden[0].HiddenAt.IsZero() {
		t.Fatalf("hidden filter: %v", hidden)
	}
	if _, err := s.HideArticle(ctx, list[0].ID, false); err != nil {
		t.Fatal(err)
	}
	if window, _ := s.DigestArticles(ctx, start, clock.Now()); len(window) != 2 {
		t.Fatalf("shown again: %v", window)
	}
	if _, err := s.HideArticle(ctx, 9999, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("hiding no article: %v", err)
	}
}
