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

// cli runs one caravan command against the database in dir and returns its output.
func cli(t *testing.T, dir string, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errb syncBuffer
	err := run(context.Background(), args, testEnv(dir, env), strings.NewReader(""), &out, &errb)
	return out.String() + errb.String(), err
}

func TestArticlesImportKeepsGoodItems(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "articles.json")
	os.WriteFile(file, []byte(`[
		{"url": "https://news.example.org/kg/1", "title": "La Chine et le Kirghizistan renforcent leur coopération", "countries": ["kg"]},
		{"url": "ftp://nope", "title": "bad url"},
		{"url": "https://news.example.org/uz/2", "title": "", "countries": ["uz"]},
		{"url": "https://news.example.org/2", "title": "Regional", "countries": ["xx"]}
	]`), 0o644)
	out, err := cli(t, dir, nil, "articles", "import", file)
	if err == nil || !strings.Contains(out, "1 added, 0 updated, 3 rejected") || !strings.Contains(out, "item 1: url") {
		t.Fatalf("err %v, output:\n%s", err, out)
	}
	st, _ := store.Open(context.Background(), filepath.Join(dir, "caravan.db"))
	defer st.Close()
	list, _ := st.Articles(context.Background(), 10)
	if len(list) != 1 || list[0].Countries[0] != "kg" {
		t.Fatalf("stored: %+v", list)
	}
	if _, err := cli(t, dir, nil, "articles", "import", filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestFeedsPollOnce(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://news.example.org/</link>
<item><title>Astana accueille un sommet</title><link>https://news.example.org/kz/1</link><guid>kz-1</guid><category>Kazakhstan</category></item>
<item><title>Asie centrale : le point</title><link>https://news.example.org/r/2</link><guid>r-2</guid><category>Asie centrale</category></item>
</channel></rss>`))
	}))
	defer feed.Close()
	dir := t.TempDir()
	if _, err := cli(t, dir, nil, "feeds", "poll"); err == nil {
		t.Fatal("poll without feeds should say none are configured")
	}
	out, err := cli(t, dir, map[string]string{"CARAVAN_FEEDS": feed.URL + "/rss"}, "feeds", "poll")
	if err != nil || !strings.Contains(out, "2 new") {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = cli(t, dir, map[string]string{"CARAVAN_FEEDS": feed.URL + "/rss"}, "feeds", "poll")
	if err != nil || !strings.Contains(out, "0 new") {
		t.Fatalf("second poll: %v\n%s", err, out)
	}
}
