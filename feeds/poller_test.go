package feeds_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caravan-news/caravan/feeds"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

func TestPollAllStoresEveryFormat(t *testing.T) {
	st, c := openStore(t)
	var agents sync.Map
	mux := http.NewServeMux()
	mux.HandleFunc("/fr/rss.xml", serve(fixture(t, "rss_fr.xml"), "application/rss+xml; charset=utf-8"))
	mux.HandleFunc("/en/atom.xml", serve(fixture(t, "atom_en.xml"), "application/atom+xml"))
	mux.HandleFunc("/old.rdf", serve(fixture(t, "rss1.rdf"), "application/rdf+xml"))
	mux.Handle("/en/old-atom", http.RedirectHandler("/en/atom.xml", http.StatusMovedPermanently))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agents.Store(r.UserAgent(), true)
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()

	// The Atom feed is configured at an old address: its relative links must
	// resolve against where it was finally fetched from.
	urls := []string{srv.URL + "/fr/rss.xml", srv.URL + "/en/old-atom", srv.URL + "/old.rdf"}
	sum, err := feeds.NewPoller(st, urls, nil, nil).PollAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{4, 3, 1} {
		if r := sum.Feeds[i]; r.URL != urls[i] || r.New != want || r.Err != nil {
			t.Errorf("feed %d: %+v, want %d new", i, r, want)
		}
	}
	if _, ok := agents.Load("Caravan/1.0 (+newsletter digest)"); !ok {
		t.Errorf("user agents seen: none is Caravan's")
	}

	got := articlesByURL(t, st)
	tests := []struct {
		url, guid, title, summary string
		countries                 []string
		published                 time.Time
	}{
		{srv.URL + "/fr/kirghizistan/elections-bichkek/", "novastan-fr-101", "Élections & réformes à Bichkek",
			"Les électeurs kirghiz se rendent aux urnes. Deuxième paragraphe.", []string{"kg"}, time.Date(2026, 11, 26, 8, 15, 0, 0, time.UTC)},
		{"https://novastan.example/fr/asie-centrale/climat/", "novastan-fr-102", "Le climat de l'Asie centrale change",
			"Sécheresse et glaciers.", nil, time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)},
		{"https://novastan.example/fr/ferghana/", "https://novastan.example/fr/ferghana/", "Le Ferghana entre l'Ouzbékistan et le Tadjikistan",
			"Une vallée partagée.", []string{"uz", "tj"}, time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)},
		{"https://novastan.example/fr/achgabat/", "novastan-fr-104", "Achgabat sous la neige",
			"Sans date de publication.", []string{"tm"}, c.Now()},
		{srv.URL + "/en/news/kyrgyzstan-votes", "tag:centralasia.example,2026:201", "Kyrgyzstan votes",
			"Voters in Bishkek went to the polls.", []string{"kg"}, time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)},
		{"https://centralasia.example/en/news/kazakh-grain", "tag:centralasia.example,2026:202", "Grain exports from Kazakhstan",
			"Wheat harvest at a record.", []string{"kz"}, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)},
		{"https://centralasia.example/en/news/water", "tag:centralasia.example,2026:203", "Water sharing across the region",
			"Five countries, two rivers.", nil, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)},
		{"https://old.example/astana", "https://old.example/astana", "Astana hosts a summit",
			"Leaders meet in the Kazakh capital.", []string{"kz"}, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)},
	}
	if len(got) != len(tests) {
		t.Errorf("stored %d articles, want %d", len(got), len(tests))
	}
	for _, tt := range tests {
		a, ok := got[tt.url]
		if !ok {
			t.Errorf("no article at %s", tt.url)
			continue
		}
		if a.GUID != tt.guid || a.Title != tt.title || a.Summary != tt.summary || !slices.Equal(a.Countries, tt.countries) {
			t.Errorf("article %s:\n got  %q %q %q %v\n want %q %q %q %v", tt.url, a.GUID, a.Title, a.Summary, a.Countries,
				tt.guid, tt.title, tt.summary, tt.countries)
		}
		if !a.PublishedAt.Equal(tt.published) || !a.ArrivedAt.Equal(c.Now()) || a.FeedID == 0 {
			t.Errorf("article %s: published %v arrived %v feed %d, want published %v", tt.url, a.PublishedAt, a.ArrivedAt, a.FeedID, tt.published)
		}
	}
}

func TestPollAllIsolatesBrokenFeeds(t *testing.T) {
	st, _ := openStore(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/good.xml", serve(fixture(t, "rss_fr.xml"), "application/rss+xml"))
	mux.HandleFunc("/broken.xml", serve(fixture(t, "broken.xml"), "application/rss+xml"))
	mux.HandleFunc("/page.html", serve(fixture(t, "page.html"), "text/html; charset=utf-8"))
	mux.HandleFunc("/huge.xml", serve(hugeFeed(100<<10), "application/rss+xml"))
	mux.Handle("/loop", http.RedirectHandler("/loop2", http.StatusFound))
	mux.Handle("/loop2", http.RedirectHandler("/loop", http.StatusFound))
	mux.HandleFunc("/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hop/"+r.PathValue("n")+"0", http.StatusFound) // an endless chain of new addresses
	})
	mux.HandleFunc("/slow.xml", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	})
	mux.HandleFunc("/gone.xml", http.NotFound)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	bad := map[string]string{ // path: what its error says
		"/broken.xml": "XML syntax error",
		"/page.html":  "HTML page",
		"/huge.xml":   "feed larger than 64 KiB",
		"/loop":       "redirect loop",
		"/hop/1":      "more than 5 redirects",
		"/slow.xml":   "Client.Timeout",
		"/gone.xml":   "404 Not Found",
	}
	urls := []string{srv.URL + "/good.xml"}
	for path := range bad {
		urls = append(urls, srv.URL+path)
	}
	// Long enough for six redirects on a loaded machine: only /slow.xml may reach it.
	client := &http.Client{Timeout: 3 * time.Second}
	sum, err := feeds.NewPoller(st, urls, client, nil, feeds.WithMaxBytes(64<<10)).PollAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Feeds[0].Err != nil || sum.Feeds[0].New != 4 || sum.New() != 4 || sum.Failed() != len(bad) {
		t.Fatalf("summary: good feed %+v, new %d, failed %d", sum.Feeds[0], sum.New(), sum.Failed())
	}
	for _, r := range sum.Feeds[1:] {
		want := bad[strings.TrimPrefix(r.URL, srv.URL)]
		if r.Err == nil || !strings.Contains(r.Err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", r.URL, r.Err, want)
		}
	}
	recorded := feedsByURL(t, st)
	for path, want := range bad {
		f := recorded[srv.URL+path]
		if !f.Failing() || !strings.Contains(f.LastError, want) || f.LastErrorAt.IsZero() {
			t.Errorf("%s recorded as %+v, want an error with %q", path, f, want)
		}
	}
	if good := recorded[srv.URL+"/good.xml"]; good.Failing() || good.ArticlesSeen != 4 || good.LastSuccessAt.IsZero() {
		t.Errorf("good feed recorded as %+v", good)
	}
}

func TestPollRejectsFeedOverDefaultCap(t *testing.T) {
	st, _ := openStore(t)
	srv := httptest.NewServer(serve(hugeFeed(feeds.DefaultMaxBytes+1), "application/rss+xml"))
	defer srv.Close()
	sum, err := feeds.NewPoller(st, []string{srv.URL}, nil, nil).PollAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r := sum.Feeds[0]; r.Err == nil || !strings.Contains(r.Err.Error(), "feed larger than 5 MiB") {
		t.Fatalf("result: %+v", r)
	}
	if f := feedsByURL(t, st)[srv.URL]; !strings.Contains(f.LastError, "feed larger than 5 MiB") {
		t.Fatalf("recorded: %+v", f)
	}
}

// hugeFeed is a well-formed RSS document of at least n bytes.
func hugeFeed(n int) []byte {
	return []byte(`<?xml version="1.0"?><rss version="2.0"><channel>` + strings.Repeat(" ", n) + `</channel></rss>`)
}

func TestPollAllBoundsParallelFetches(t *testing.T) {
	st, _ := openStore(t)
	var inFlight, peak atomic.Int32
	body := fixture(t, "rss1.rdf")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(30 * time.Millisecond)
		w.Write(body)
	}))
	defer srv.Close()
	var urls []string
	for i := range 8 {
		urls = append(urls, srv.URL+"/feed/"+string(rune('a'+i)))
	}
	sum, err := feeds.NewPoller(st, urls, nil, nil, feeds.WithParallel(2)).PollAll(context.Background())
	if err != nil || sum.Failed() != 0 || len(sum.Feeds) != 8 {
		t.Fatalf("summary %+v, err %v", sum, err)
	}
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d feeds fetched at once, want at most 2", p)
	}
}

func TestRunPollsAtStartAndThenEveryInterval(t *testing.T) {
	// The real clock: a round leaves alone a feed polled within the interval.
	st := storetest.Open(t)
	hits := make(chan struct{}, 100)
	body := fixture(t, "rss1.rdf")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- struct{}{}
		w.Write(body)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		feeds.NewPoller(st, []string{srv.URL}, nil, nil).Run(ctx, 20*time.Millisecond)
		close(done)
	}()
	for i := range 3 {
		select {
		case <-hits:
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d polls", i)
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if f := feedsByURL(t, st)[srv.URL]; f.ArticlesSeen != 1 {
		t.Fatalf("feed after several polls: %+v, want 1 article seen", f)
	}
}

var _ feeds.Store = (*store.Store)(nil)
