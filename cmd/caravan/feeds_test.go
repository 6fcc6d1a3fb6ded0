package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestParseFeedEntry(t *testing.T) {
	tests := []struct {
		name, entry, want, refused string
	}{
		{"https", "https://news.example.org/feed/", "https://news.example.org/feed/", ""},
		{"http with port and query", " http://127.0.0.1:8081/rss?lang=fr ", "http://127.0.0.1:8081/rss?lang=fr", ""},
		{"user and password", "https://reader:s3cret@news.example.org/feed", "https://reader:s3cret@news.example.org/feed", ""},
		{"words", "not a url", "", "http:// or https://"},
		{"space in the path", "https://news.example.org/my feed", "", "no spaces"},
		{"no scheme", "news.example.org/feed", "", "http:// or https://"},
		{"other scheme", "ftp://news.example.org/feed", "", "http:// or https://"},
		{"file", "file:///etc/passwd", "", "http:// or https://"},
		{"no host", "https:///feed", "", "no host"},
		{"bad port", "https://news.example.org:port/feed", "", "not a URL"},
		{"control character", "https://news.example.org/\x7ffeed", "", "not a URL"},
		{"bad escape", "https://news.example.org/%zz", "", "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFeedEntry(tt.entry)
			switch {
			case tt.refused == "" && (err != nil || got.URL != tt.want):
				t.Fatalf("parseFeedEntry(%q) = %+v, %v; want %q", tt.entry, got, err, tt.want)
			case tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused)):
				t.Fatalf("parseFeedEntry(%q) = %+v, %v; want an error saying %q", tt.entry, got, err, tt.refused)
			}
		})
	}
}

// TestMalformedFeedEntryIsRefusedAtStart: one bad entry among good ones stops
// serve (and every command) before it starts, naming the entry, instead of
// starting and never polling the good feeds.
func TestMalformedFeedEntryIsRefusedAtStart(t *testing.T) {
	for _, args := range [][]string{{"serve"}, {"feeds", "poll"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, err := cli(t, t.TempDir(), map[string]string{
				"CARAVAN_FEEDS": "https://good.example/feed.xml, not a url ,https://also-good.example/rss,ftp://old.example/f"}, args...)
			if err == nil {
				t.Fatalf("started with a malformed feed entry:\n%s", out)
			}
			for _, want := range []string{"--feeds", `entry 2 "not a url"`, `entry 4 "ftp://old.example/f"`} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "good.example") || strings.Contains(out, "listening") {
				t.Errorf("error %q, output %q: the good entries are not at fault and nothing should listen", err, out)
			}
		})
	}
}

// TestRemovedFeedsLeaveTheListAndTheMetrics starts serve with a good and a
// failing feed, then again with only the good one, then with none: each time
// /api/admin/feeds and /metrics speak only of the feeds configured, so a
// failing feed that was removed stops firing caravan_feeds_failing.
func TestRemovedFeedsLeaveTheListAndTheMetrics(t *testing.T) {
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/good.xml" {
			http.Error(w, "gone", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Astana accueille un sommet</title><link>https://news.example.org/kz/1</link><category>Kazakhstan</category></item>
</channel></rss>`)
	}))
	defer feed.Close()
	good, bad := feed.URL+"/good.xml", feed.URL+"/bad.xml"
	dir := t.TempDir()
	const token = "feeds-test-admin-token-0123456789abcdef"
	start := func(feeds string) *program {
		return startServe(t, dir, map[string]string{"CARAVAN_ADMIN_TOKEN": token, "CARAVAN_FEEDS": feeds})
	}

	p := start(good + "," + bad)
	waitFor(t, "the failing feed in the metrics", func() bool {
		return metric(t, p.url, "caravan_feeds_failing") == "1" && metric(t, p.url, "caravan_feeds") == "2"
	})
	if got := listedFeeds(t, p.url, token); !slices.Equal(got, []string{good, bad}) {
		t.Fatalf("feeds listed with both configured: %v", got)
	}
	p.stop()

	p = start(good)
	waitFor(t, "the removed feed to leave the list", func() bool {
		return slices.Equal(listedFeeds(t, p.url, token), []string{good})
	})
	if f, n := metric(t, p.url, "caravan_feeds_failing"), metric(t, p.url, "caravan_feeds"); f != "0" || n != "1" {
		t.Fatalf("after removing the failing feed: caravan_feeds_failing %s, caravan_feeds %s; want 0 and 1", f, n)
	}
	p.stop()

	p = start("")
	waitFor(t, "every feed to leave the list", func() bool { return len(listedFeeds(t, p.url, token)) == 0 })
	if n := metric(t, p.url, "caravan_feeds"); n != "0" {
		t.Fatalf("no feed configured: caravan_feeds %s", n)
	}
	p.stop()

	// The articles the removed feeds brought stay, and so does a feed's
	// history when it comes back.
	st, err := store.Open(context.Background(), dir+"/caravan.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if list, err := st.Articles(context.Background(), 10); err != nil || len(list) != 1 || list[0].FeedID == 0 {
		t.Fatalf("articles after the feeds left: %+v, %v", list, err)
	}
	back, err := st.EnsureFeeds(context.Background(), []string{good})
	if err != nil || len(back) != 1 || back[0].ArticlesSeen != 1 {
		t.Fatalf("feed configured again: %+v, %v", back, err)
	}
}

// listedFeeds returns the URLs /api/admin/feeds lists.
func listedFeeds(t *testing.T, base, token string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/admin/feeds", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Feeds []store.Feed }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/admin/feeds: %d, %v", resp.StatusCode, err)
	}
	urls := []string{}
	for _, f := range body.Feeds {
		urls = append(urls, f.URL)
	}
	return urls
}

// metric returns the value of an unlabelled metric at /metrics, or "" when absent.
func metric(t *testing.T, base, name string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return ""
	}
	return string(m[1])
}
