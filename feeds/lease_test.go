package feeds_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caravan-news/caravan/feeds"
)

// TestPollersOnOneDatabaseShareTheFeeds runs two pollers, as two instances
// would, on one database: while one polls a feed the other leaves it alone,
// and a round of Run leaves alone a feed the other polled within the interval.
func TestPollersOnOneDatabaseShareTheFeeds(t *testing.T) {
	st, _ := openStore(t)
	body := fixture(t, "rss1.rdf")
	var hits atomic.Int32
	arrived, release := make(chan struct{}, 10), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		arrived <- struct{}{}
		<-release
		w.Write(body)
	}))
	defer srv.Close()
	urls := []string{srv.URL + "/feed"}
	first, second := feeds.NewPoller(st, urls, nil, nil), feeds.NewPoller(st, urls, nil, nil)

	firstDone := make(chan feeds.Summary, 1)
	go func() {
		sum, err := first.PollAll(context.Background())
		if err != nil {
			t.Error(err)
		}
		firstDone <- sum
	}()
	<-arrived // the first poller is fetching the feed
	sum, err := second.PollAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r := sum.Feeds[0]; !r.Elsewhere || r.Err != nil || sum.Elsewhere() != 1 {
		t.Fatalf("second poller while the first polls: %+v", r)
	}
	close(release)
	if r := (<-firstDone).Feeds[0]; r.Elsewhere || r.Err != nil || r.New != 1 {
		t.Fatalf("first poller: %+v", r)
	}

	// An explicit poll (caravan feeds poll) takes the feed once it is free.
	if sum, err := second.PollAll(context.Background()); err != nil || sum.Feeds[0].Elsewhere || sum.Feeds[0].Err != nil {
		t.Fatalf("second poller once the first is done: %+v, %v", sum, err)
	}
	<-arrived

	// Run's rounds leave alone what was polled within the interval.
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { feeds.NewPoller(st, urls, nil, log).Run(ctx, time.Hour); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "elsewhere=1") {
		if time.Now().After(deadline) {
			t.Fatalf("no round logged; log:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if n := hits.Load(); n != 2 {
		t.Fatalf("the feed was fetched %d times, want 2", n)
	}
}

// syncBuffer is a strings.Builder safe for a logger and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
