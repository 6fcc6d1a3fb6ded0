package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// TestViewShowsTheDigestAsSent: the link shows the reader's digest of that
// run, with the articles chosen then (a change of countries since changes
// nothing), without a referrer, cache or cookie; expired, it says so; once the
// reader is erased and with no archive to fall back on, it is gone.
func TestViewShowsTheDigestAsSent(t *testing.T) {
	env := newLeaveEnv(t)
	ctx := context.Background()
	ana := env.active(t, "ana@example.org")
	env.clock.Add(time.Minute)
	if _, _, err := env.store.UpsertArticles(ctx, 0, []store.ArticleInput{
		{URL: "https://news.example.org/kg", Title: "Bichkek en fête", Countries: []string{"kg"}},
		{URL: "https://news.example.org/tm", Title: "Achgabat sous la neige", Countries: []string{"tm"}}}); err != nil {
		t.Fatal(err)
	}
	env.clock.Add(time.Minute)
	run, _, err := env.store.StartRun(ctx, "daily", env.clock.Now(), "test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ref := store.ViewRef{SubscriberID: ana.ID, RunID: run.ID, From: ana.DigestFrom(), Countries: []string{"kg"}, Locale: "fr"}
	token := env.links.MakeView(ref, time.Hour)
	if _, err := env.store.UpdatePreferences(ctx, ana.ID, store.Preferences{Countries: []string{"tm"}, Frequency: "weekly", Locale: "en"}); err != nil {
		t.Fatal(err)
	}
	resp, page := env.do(t, "GET", "/view/"+token, "", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Bichkek en fête") || strings.Contains(page, "Achgabat") ||
		!strings.Contains(page, "/preferences/") || !strings.Contains(page, `lang="fr"`) {
		t.Fatalf("view: %d\n%s", resp.StatusCode, page)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Set-Cookie") != "" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("view headers: %v", resp.Header)
	}
	env.clock.Add(2 * time.Hour)
	if resp, _ := env.do(t, "GET", "/view/"+token, "", nil, nil); resp.StatusCode != http.StatusGone {
		t.Errorf("expired view link: %d", resp.StatusCode)
	}
	token = env.links.MakeView(ref, time.Hour)
	if _, err := env.store.Erase(ctx, "ana@example.org"); err != nil {
		t.Fatal(err)
	}
	if resp, page := env.do(t, "GET", "/view/"+token, "", nil, nil); resp.StatusCode != http.StatusGone || strings.Contains(page, "Bichkek") {
		t.Errorf("view of an erased reader, no archive: %d\n%s", resp.StatusCode, page)
	}
}
