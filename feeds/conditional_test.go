package feeds_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caravan-news/caravan/feeds"
)

func TestPollSendsValidatorsAndHonours304(t *testing.T) {
	modified := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		etag   string    // sent by the server, if any
		mod    time.Time // Last-Modified sent by the server, if not zero
		header string    // request header the second poll must carry
		want   string    // its value
	}{
		{"etag", `"rss-v1"`, time.Time{}, "If-None-Match", `"rss-v1"`},
		{"last-modified", "", modified, "If-Modified-Since", modified.Format(http.TimeFormat)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, c := openStore(t)
			body := fixture(t, "rss_fr.xml")
			var (
				mu      sync.Mutex
				seen    []string // tt.header of each request
				failing bool
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, r.Header.Get(tt.header))
				fail := failing
				mu.Unlock()
				if fail {
					http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
					return
				}
				if tt.etag != "" {
					w.Header().Set("ETag", tt.etag)
				}
				http.ServeContent(w, r, "feed.xml", tt.mod, bytes.NewReader(body)) // answers 304 itself
			}))
			defer srv.Close()
			p := feeds.NewPoller(st, []string{srv.URL}, nil, nil)
			ctx := context.Background()

			first, err := p.PollAll(ctx)
			if err != nil || first.Feeds[0].New != 4 || first.Feeds[0].NotModified {
				t.Fatalf("first poll: %+v, %v", first, err)
			}
			c.Add(time.Hour)
			second, err := p.PollAll(ctx)
			if err != nil || second.Feeds[0].New != 0 || !second.Feeds[0].NotModified || second.Feeds[0].Err != nil {
				t.Fatalf("second poll: %+v, %v", second, err)
			}
			if len(seen) != 2 || seen[0] != "" || seen[1] != tt.want {
				t.Fatalf("%s sent: %q, want nothing then %q", tt.header, seen, tt.want)
			}
			f := feedsByURL(t, st)[srv.URL]
			if !f.LastSuccessAt.Equal(c.Now()) || f.ArticlesSeen != 4 || len(articlesByURL(t, st)) != 4 {
				t.Fatalf("after 304: %+v", f)
			}

			// A failed poll keeps the validators of the last good one.
			mu.Lock()
			failing = true
			mu.Unlock()
			c.Add(time.Hour)
			third, _ := p.PollAll(ctx)
			if third.Feeds[0].Err == nil || !strings.Contains(third.Feeds[0].Err.Error(), "503") {
				t.Fatalf("third poll: %+v", third)
			}
			g := feedsByURL(t, st)[srv.URL]
			if g.ETag != f.ETag || g.LastModified != f.LastModified || !g.Failing() || !strings.Contains(g.LastError, "503") {
				t.Fatalf("after failure: %+v, before: %+v", g, f)
			}
		})
	}
}

func TestPollStoresNoMarkupFromHostileFeed(t *testing.T) {
	st, _ := openStore(t)
	srv := httptest.NewServer(serve(fixture(t, "hostile.xml"), "application/rss+xml"))
	defer srv.Close()
	sum, err := feeds.NewPoller(st, []string{srv.URL}, nil, nil).PollAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The item whose link is javascript: is dropped, not stored.
	if r := sum.Feeds[0]; r.Err != nil || r.New != 2 || r.Skipped != 1 {
		t.Fatalf("result: %+v", r)
	}
	got := articlesByURL(t, st)
	want := map[string][2]string{ // url: title, summary
		"https://hostile.example/a": {"Bold news & views", "Read this."},
		"https://hostile.example/b": {"Escaped twice: done", "Fine text"},
	}
	if len(got) != len(want) {
		t.Fatalf("stored %d articles, want %d", len(got), len(want))
	}
	for url, w := range want {
		a := got[url]
		if a.Title != w[0] || a.Summary != w[1] {
			t.Errorf("%s: title %q summary %q, want %q %q", url, a.Title, a.Summary, w[0], w[1])
		}
		for _, field := range []string{a.Title, a.Summary} {
			for _, bad := range []string{"<", ">", "script", "onerror", "onclick", "onmouseover", "onload",
				"javascript:", "alert", "cookie", "iframe", "display:none", "evil.example"} {
				if strings.Contains(strings.ToLower(field), bad) {
					t.Errorf("%s: stored %q contains %q", url, field, bad)
				}
			}
		}
	}
}

func TestPollUpdatedItemKeepsArrival(t *testing.T) {
	st, c := openStore(t)
	var (
		mu   sync.Mutex
		body = fixture(t, "one_v1.xml")
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Write(body)
	}))
	defer srv.Close()
	p := feeds.NewPoller(st, []string{srv.URL}, nil, nil)
	ctx := context.Background()

	if sum, err := p.PollAll(ctx); err != nil || sum.Feeds[0].New != 1 {
		t.Fatalf("first poll: %+v, %v", sum, err)
	}
	arrived := c.Now()
	c.Add(3 * time.Hour)
	// Same feed again, nothing changed: neither new nor updated.
	if sum, err := p.PollAll(ctx); err != nil || sum.Feeds[0].New != 0 || sum.Feeds[0].Updated != 0 {
		t.Fatalf("unchanged poll: %+v, %v", sum, err)
	}
	mu.Lock()
	body = fixture(t, "one_v2.xml")
	mu.Unlock()
	sum, err := p.PollAll(ctx)
	if err != nil || sum.Feeds[0].New != 0 || sum.Feeds[0].Updated != 1 {
		t.Fatalf("poll after edit: %+v, %v", sum, err)
	}
	a := articlesByURL(t, st)["https://one.example/article"]
	if a.Title != "Titre corrigé" || a.Summary != "Version corrigée." || a.Countries[0] != "kg" {
		t.Errorf("article after edit: %+v", a)
	}
	if !a.ArrivedAt.Equal(arrived) || !a.UpdatedAt.Equal(c.Now()) {
		t.Errorf("arrived %v updated %v, want arrived %v (unchanged) and updated %v", a.ArrivedAt, a.UpdatedAt, arrived, c.Now())
	}
	if f := feedsByURL(t, st)[srv.URL]; f.ArticlesSeen != 1 {
		t.Errorf("articles seen = %d, want 1: an edit is not a new article", f.ArticlesSeen)
	}
}
