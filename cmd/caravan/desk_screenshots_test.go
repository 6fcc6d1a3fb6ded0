package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/caravan-news/caravan/store"
)

// TestDeskScreenshots pictures every page of the editors' desk at phone and
// desktop widths into -screenshots=DIR, as TestScreenshots does for the public
// pages: go test ./cmd/caravan -run TestDeskScreenshots -screenshots=../../docs/screenshots
func TestDeskScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("screenshots not asked for: add -screenshots=DIR")
	}
	env := newDeskBrowserEnv(t)
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	seedDeskHistory(t, env)
	base := env.caravan.url
	reader := fmt.Sprintf("%s/admin/subscribers/%d", base, env.readers[0].ID)
	list := filepath.Join(t.TempDir(), "liste.csv")
	os.WriteFile(list, []byte("email,countries,frequency,locale\nsaule@example.kz,kz,weekly,fr\npas-une-adresse,kg,daily,fr\n"+
		"erlan@example.kz,xx,daily,fr\nsaule@example.kz,,daily,en\n"), 0o600)
	nav := func(u string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("main h1"))}
	}
	shots := []shot{
		{"desk-dashboard", "fr", false, nav(base + "/admin")},
		{"desk-dashboard-en", "en", false, nav(base + "/admin?lang=en")},
		{"desk-dashboard-dark", "fr", true, nav(base + "/admin")},
		{"desk-subscribers", "fr", false, nav(base + "/admin/subscribers")},
		{"desk-subscriber", "fr", false, nav(reader)},
		{"desk-runs", "fr", false, nav(base + "/admin/runs")},
		{"desk-run-start", "fr", false, nav(base + "/admin/runs/new?frequency=weekly")},
		{"desk-run", "fr", false, nav(fmt.Sprintf("%s/admin/runs/%d", base, latestRun(t, env)))},
		{"desk-preview", "fr", false, append(nav(base+"/admin/preview?countries=kg&countries=uz&frequency=daily&locale=fr"),
			chromedp.Sleep(500*time.Millisecond))},
		{"desk-articles", "fr", false, nav(base + "/admin/articles")},
		{"desk-feeds", "fr", false, nav(base + "/admin/feeds")},
		{"desk-import", "fr", false, append(nav(base+"/admin/import"), chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{list}),
			chromedp.Click(chromedp.CSS("#import"), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS("#import-summary")))},
		{"desk-audit", "fr", false, nav(base + "/admin/audit")},
	}
	for _, vp := range []viewport{phone, desktop} {
		tabs := map[[2]any]context.Context{}
		login := openTab(t, env.browser, vp, "fr", false)
		act(t, login, chromedp.Navigate(base+"/admin/login"), chromedp.WaitVisible(chromedp.CSS("#email")))
		writeShot(t, login, "desk-login-"+vp.name)
		env.signIn(t, login, "fr")
		for _, s := range shots {
			key := [2]any{s.lang, s.dark}
			tab, ok := tabs[key]
			if !ok {
				tab = openTab(t, env.browser, vp, s.lang, s.dark)
				tabs[key] = tab
			}
			act(t, tab, s.steps...)
			writeShot(t, tab, s.name+"-"+vp.name)
		}
	}
}

func writeShot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	raw := read(t, tab, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(*screenshotDir, name+".png"), recompress(t, raw), 0o644); err != nil {
		t.Fatal(err)
	}
}

// seedDeskHistory gives the dashboard 90 days of life: signups, confirmations
// and departures per day, a finished run, a failing feed, hidden articles.
func seedDeskHistory(t *testing.T, env *deskEnv) {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenDB(filepath.Join(env.caravan.dir, "caravan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	today := time.Now().UTC()
	for d := 1; d < 90; d++ {
		day := today.AddDate(0, 0, -d).Format(time.DateOnly)
		wave := 20 + 12*math.Sin(float64(d)/9)
		for event, n := range map[string]int{"signup": int(wave), "confirm": int(wave * 0.8), "unsubscribe": int(wave * 0.15)} {
			if _, err := db.ExecContext(ctx, `INSERT INTO daily_counts (day, event, n) VALUES (?, ?, ?)`, day, event, n); err != nil {
				t.Fatal(err)
			}
		}
	}
	feeds, err := env.store.EnsureFeeds(ctx, []string{"https://news.example.org/feed/", "https://news.example.org/en/feed/"})
	if err != nil {
		t.Fatal(err)
	}
	env.store.FeedPolled(ctx, feeds[0].ID, "", "", nil, 3)
	env.store.FeedPolled(ctx, feeds[1].ID, "", "", errors.New("GET https://news.example.org/en/feed/: 503 Service Unavailable"), 0)
	tab := openTab(t, env.browser, desktop, "fr", false)
	env.signIn(t, tab, "fr")
	act(t, tab, chromedp.Navigate(env.caravan.url+"/admin/runs/new?frequency=daily"),
		chromedp.Click(chromedp.CSS("#start-run"), chromedp.NodeVisible))
	waitText(t, tab, "#run-status", "terminé")
	list, _ := env.store.DeskArticles(ctx, store.DeskArticleFilter{})
	env.store.HideArticle(ctx, list[len(list)-1].ID, true)
	act(t, tab, chromedp.Navigate(fmt.Sprintf("%s/admin/subscribers/%d", env.caravan.url, env.readers[1].ID)),
		chromedp.Click(chromedp.CSS("#unsubscribe"), chromedp.NodeVisible))
	waitText(t, tab, ".notice", "désinscrit")
}

func latestRun(t *testing.T, env *deskEnv) int64 {
	t.Helper()
	runs, err := env.store.Runs(context.Background(), 1)
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs: %v %v", runs, err)
	}
	return runs[0].ID
}
