package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/caravan-news/caravan/store"
)

// TestLedgerStoresRelayRepliesAsValidUTF8 records temporary failures whose
// relay replies are long and multi-byte, so that the 500-byte cut falls in
// the middle of a character for two of them, or that hold a NUL or bytes that
// are not UTF-8. PostgreSQL refused such a batch (SQLSTATE 22021), which
// stopped the run at the same reader on every resume.
func TestLedgerStoresRelayRepliesAsValidUTF8(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	replies := map[string]string{
		"a@example.org": "451 4.3.0 " + strings.Repeat("€", 300),
		"b@example.org": "451 4.3.0 x" + strings.Repeat("€", 300),
		"c@example.org": "451 4.3.0 xy" + strings.Repeat("€", 300),
		"d@example.org": "451 4.3.0 Bo\xeete pleine\x00, r\xe9essayez",
	}
	var ds []store.Delivery
	for email, reply := range replies {
		sub := activeSub(t, s, email, "daily")
		ds = append(ds, store.Delivery{SubscriberID: sub.ID, Status: store.DeliveryFailedTemp, Attempts: 3, Error: reply})
	}
	run, _, err := s.StartRun(ctx, "daily", time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC), "test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordDeliveries(ctx, run.ID, ds); err != nil {
		t.Fatalf("record deliveries: %v", err)
	}
	for email, reply := range replies {
		rec, err := s.SubscriberRecord(ctx, email)
		if err != nil || len(rec.Deliveries) != 1 {
			t.Fatalf("%s: %+v, %v", email, rec.Deliveries, err)
		}
		got := rec.Deliveries[0].Error
		if !utf8.ValidString(got) || strings.ContainsRune(got, 0) || len(got) > 500 || len(got) < 490 && len(reply) > 500 {
			t.Errorf("%s: stored error %q (%d bytes)", email, got, len(got))
		}
		if !strings.HasPrefix(got, "451 4.3.0 ") {
			t.Errorf("%s: stored error %q lost the reply's start", email, got)
		}
	}
}

// TestArticlesWithNULAndBadBytesAreStored: a NUL or bytes that are not UTF-8
// in one article's text no longer cost the whole batch on PostgreSQL; the text
// is stored without them.
func TestArticlesWithNULAndBadBytesAreStored(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	items := []store.ArticleInput{
		{GUID: "good-1", URL: "https://example.org/1", Title: "Bichkek"},
		{GUID: "nul\x00-2", URL: "https://example.org/2", Title: "Ach\x00gabat", Summary: "Nei\x00ge\x00"},
		{GUID: "bytes-\xff3", URL: "https://example.org/3", Title: "Douchanb\xe9", Summary: "\xc3"},
		{GUID: "good-4", URL: "https://example.org/4", Title: "Tachkent"},
	}
	added, _, err := s.UpsertArticles(ctx, 0, items)
	if err != nil || added != 4 {
		t.Fatalf("added %d, err %v", added, err)
	}
	got := byGUID(t, s)
	for guid, title := range map[string]string{"nul-2": "Achgabat", "bytes-3": "Douchanb", "good-1": "Bichkek"} {
		if a, ok := got[guid]; !ok || a.Title != title {
			t.Errorf("%s: %+v", guid, a)
		}
	}
	if a := got["nul-2"]; a.Summary != "Neige" {
		t.Errorf("summary %q", a.Summary)
	}
	// A second pass finds the same articles: the cleaned GUID is the key.
	if added, _, err := s.UpsertArticles(ctx, 0, items); err != nil || added != 0 {
		t.Fatalf("second pass: added %d, err %v", added, err)
	}
	long := store.ArticleInput{GUID: strings.Repeat("g", store.MaxGUIDLen+1), URL: "https://example.org/5", Title: "T"}
	if err := long.Normalize(); !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "guid") {
		t.Fatalf("GUID over %d bytes: %v", store.MaxGUIDLen, err)
	}
}

// TestFeedValidatorsAndErrorsAreStoredClean: a feed server's headers and a
// poll's error text (which quotes the server) are stored valid and bounded.
func TestFeedValidatorsAndErrorsAreStoredClean(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	feeds, err := s.EnsureFeeds(ctx, []string{"https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	id := feeds[0].ID
	if err := s.FeedPolled(ctx, id, "\"v\xff1\x00\"", "Wed, 25 Nov 2026 10:00:00 GMT\xe9", nil, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.FeedPolled(ctx, id, "", "", errors.New("parse feed: "+strings.Repeat("é", 700)+"\x00"), 0); err != nil {
		t.Fatal(err)
	}
	f := onlyFeed(t, s)
	if f.ETag != `"v1"` || f.LastModified != "Wed, 25 Nov 2026 10:00:00 GMT" {
		t.Errorf("validators %q %q", f.ETag, f.LastModified)
	}
	if !utf8.ValidString(f.LastError) || len(f.LastError) > 1000 || strings.ContainsRune(f.LastError, 0) {
		t.Errorf("last error %q", f.LastError)
	}
}
