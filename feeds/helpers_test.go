package feeds_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// clock is a settable time source.
type clock = storetest.Clock

// openStore opens a real store (SQLite, or PostgreSQL: see storetest) with a test clock.
func openStore(t *testing.T) (*store.Store, *clock) {
	t.Helper()
	c := storetest.NewClock(time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC))
	s := storetest.Open(t, store.WithClock(c.Now))
	return s, c
}

// fixture reads a file of testdata.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve answers every request with body as contentType.
func serve(body []byte, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}
}

// articlesByURL lists what the store holds, by article URL.
func articlesByURL(t *testing.T, s *store.Store) map[string]store.Article {
	t.Helper()
	list, err := s.Articles(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]store.Article, len(list))
	for _, a := range list {
		out[a.URL] = a
	}
	return out
}

// feedsByURL lists the store's feeds by URL.
func feedsByURL(t *testing.T, s *store.Store) map[string]store.Feed {
	t.Helper()
	list, err := s.Feeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]store.Feed, len(list))
	for _, f := range list {
		out[f.URL] = f
	}
	return out
}
