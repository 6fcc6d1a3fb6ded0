package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestEnsureFeedsInsertsOnceAndKeepsOrder(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	a, b, c := "https://a.example/feed", "https://b.example/rss", "http://c.example/atom.xml"
	first, err := s.EnsureFeeds(ctx, []string{a, " ", b, a})
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || first[0].URL != a || first[1].URL != b {
		t.Fatalf("first = %+v", first)
	}
	second, err := s.EnsureFeeds(ctx, []string{c, b, " " + a + " "})
	if err != nil {
		t.Fatal(err)
	}
	if len(second) != 3 || second[0].URL != c || second[1].ID != first[1].ID || second[2].ID != first[0].ID {
		t.Fatalf("second = %+v", second)
	}
	all, err := s.Feeds(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("feeds = %+v, %v", all, err)
	}
}

func TestEnsureFeedsRejectsBadURL(t *testing.T) {
	s, _ := newStore(t)
	for _, u := range []string{"example.org/feed", "file:///etc/passwd", "javascript:alert(1)"} {
		if _, err := s.EnsureFeeds(context.Background(), []string{"https://ok.example/feed", u}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%q: err = %v, want ErrInvalid", u, err)
		}
	}
	if all, _ := s.Feeds(context.Background()); len(all) != 0 {
		t.Fatalf("feeds stored despite error: %+v", all)
	}
}

func TestFeedPolledRecordsSuccessAndError(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	feeds, err := s.EnsureFeeds(ctx, []string{"https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	id := feeds[0].ID
	if err := s.FeedPolled(ctx, id, `"v1"`, "Wed, 25 Nov 2026 10:00:00 GMT", nil, 3); err != nil {
		t.Fatal(err)
	}
	ok := c.Now()
	c.Add(time.Hour)
	if err := s.FeedPolled(ctx, id, `"ignored"`, "ignored", errors.New("fetch: unexpected status 503"), 7); err != nil {
		t.Fatal(err)
	}
	f := onlyFeed(t, s)
	if f.ETag != `"v1"` || f.LastModified != "Wed, 25 Nov 2026 10:00:00 GMT" {
		t.Errorf("validators after error = %q %q, want the old ones", f.ETag, f.LastModified)
	}
	if f.ArticlesSeen != 3 || !f.LastSuccessAt.Equal(ok) || !f.LastErrorAt.Equal(c.Now()) || !f.LastPolledAt.Equal(c.Now()) {
		t.Errorf("after error: %+v", f)
	}
	if f.LastError != "fetch: unexpected status 503" || !f.Failing() {
		t.Errorf("error = %q, failing = %v", f.LastError, f.Failing())
	}

	c.Add(time.Hour)
	if err := s.FeedPolled(ctx, id, "", "", nil, 2); err != nil {
		t.Fatal(err)
	}
	f = onlyFeed(t, s)
	if f.Failing() || f.ArticlesSeen != 5 || f.ETag != "" || !f.LastSuccessAt.Equal(c.Now()) {
		t.Errorf("after recovery: %+v", f)
	}

	if err := s.FeedPolled(ctx, id+100, "", "", nil, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown feed: err = %v, want ErrNotFound", err)
	}
}

func onlyFeed(t *testing.T, s *store.Store) store.Feed {
	t.Helper()
	all, err := s.Feeds(context.Background())
	if err != nil || len(all) != 1 {
		t.Fatalf("feeds = %+v, %v", all, err)
	}
	return all[0]
}

func TestEnsureFeedsRetiresFeedsNoLongerConfigured(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	a, b := "https://a.example/feed", "https://b.example/rss"
	both, err := s.EnsureFeeds(ctx, []string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FeedPolled(ctx, both[1].ID, "", "", errors.New("fetch: unexpected status 503"), 0); err != nil {
		t.Fatal(err)
	}
	if err := s.FeedPolled(ctx, both[0].ID, "", "", nil, 4); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Metrics(ctx); err != nil || m.Feeds != 2 || m.FeedsFailing != 1 {
		t.Fatalf("metrics with both: %+v, %v", m, err)
	}

	c.Add(time.Hour)
	if _, err := s.EnsureFeeds(ctx, []string{b}); err != nil {
		t.Fatal(err)
	}
	if f := onlyFeed(t, s); f.URL != b {
		t.Fatalf("listed after a left: %+v", f)
	}
	if _, err := s.EnsureFeeds(ctx, []string{a}); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Metrics(ctx); err != nil || m.Feeds != 1 || m.FeedsFailing != 0 {
		t.Fatalf("metrics once the failing feed left: %+v, %v", m, err)
	}
	if f := onlyFeed(t, s); f.URL != a || f.ID != both[0].ID || f.ArticlesSeen != 4 {
		t.Fatalf("a came back as %+v, want its history", f)
	}
	if _, err := s.EnsureFeeds(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if all, err := s.Feeds(ctx); err != nil || len(all) != 0 {
		t.Fatalf("with no feeds configured: %+v, %v", all, err)
	}
	if ok, err := s.LeaseFeed(ctx, both[0].ID, "poller-a", time.Minute, 0); err != nil || ok {
		t.Fatalf("lease of a retired feed: %v, %v", ok, err)
	}
}

func TestLeaseFeedHasOneHolder(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	feeds, err := s.EnsureFeeds(ctx, []string{"https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	id := feeds[0].ID
	lease := func(owner string, fresh time.Duration) bool {
		t.Helper()
		ok, err := s.LeaseFeed(ctx, id, owner, 2*time.Minute, fresh)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !lease("a", 0) || lease("b", 0) || !lease("a", 0) {
		t.Fatal("a leases, then b must be refused while a's lease runs, and a may renew")
	}
	c.Add(2*time.Minute + time.Millisecond)
	if !lease("b", 0) || lease("a", 0) {
		t.Fatal("once a's lease ended, b takes it and a is refused")
	}
	if err := s.ReleaseFeed(ctx, id, "a"); err != nil || lease("a", 0) {
		t.Fatalf("a released a lease it no longer held (%v): it must stay b's", err)
	}
	if err := s.FeedPolled(ctx, id, "", "", nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseFeed(ctx, id, "b"); err != nil {
		t.Fatal(err)
	}
	if lease("a", 15*time.Minute) {
		t.Fatal("a feed polled a moment ago was leased to a round that leaves fresh feeds alone")
	}
	c.Add(15 * time.Minute)
	if !lease("a", 15*time.Minute) {
		t.Fatal("a feed polled an interval ago must be leased")
	}
}

// TestLeaseFeedRace: many pollers ask for the same free feed at once; one gets it.
func TestLeaseFeedRace(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	feeds, err := s.EnsureFeeds(ctx, []string{"https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		holders []string
		wg      sync.WaitGroup
	)
	for i := range 12 {
		wg.Go(func() {
			owner := fmt.Sprintf("poller-%d", i)
			ok, err := s.LeaseFeed(ctx, feeds[0].ID, owner, time.Minute, 0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				holders = append(holders, owner)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(holders) != 1 {
		t.Fatalf("lease holders: %v, want exactly one", holders)
	}
}
