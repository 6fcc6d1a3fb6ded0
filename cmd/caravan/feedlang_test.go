package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

// TestFeedLanguages polls two feeds through the program: one given a
// language in CARAVAN_FEEDS (which wins over its <language>), one without,
// whose own language decides.
func TestFeedLanguages(t *testing.T) {
	files := map[string]string{"/relabelled/feed": "rss_fr.xml", "/en/feed": "atom_en.xml"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join("../../feeds/testdata", files[r.URL.Path]))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	dir := t.TempDir()
	env := map[string]string{"CARAVAN_FEEDS": "en=" + srv.URL + "/relabelled/feed, " + srv.URL + "/en/feed"}
	if out, err := cli(t, dir, env, "feeds", "poll"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "caravan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	list, err := st.Articles(context.Background(), 100)
	if err != nil || len(list) == 0 {
		t.Fatalf("%v %v", list, err)
	}
	for _, a := range list {
		if a.Lang != "en" {
			t.Errorf("article %s: lang %q, want en", a.URL, a.Lang)
		}
	}

	bad := map[string]string{"CARAVAN_FEEDS": "français=" + srv.URL + "/en/feed"}
	if out, err := cli(t, dir, bad, "feeds", "poll"); err == nil || !strings.Contains(err.Error(), "CARAVAN_FEEDS") {
		t.Fatalf("bad prefix: %v\n%s", err, out)
	}
}
