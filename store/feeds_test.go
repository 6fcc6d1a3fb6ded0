package store_test

import (
	"context"
	"errors"
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
