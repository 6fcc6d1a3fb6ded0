package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// TestReadersInTheBrowser walks the readers' side in Chromium: from the signup
// page to the archive, an edition and its country filter; and the lost-link
// page, to the mail and the preferences it leads to.
func TestReadersInTheBrowser(t *testing.T) {
	env := newBrowserEnv(t, nil)
	seedEditions(t, filepath.Join(env.caravan.dir, "caravan.db"), 6)
	journeys := []journey{
		{"archive", phone, "fr", false, archiveByMouse},
		{"archive", desktop, "en", false, archiveByMouse},
		{"manage", phone, "fr", false, manageByMouse},
		{"manage", desktop, "en", false, manageByMouse},
		{"view", phone, "fr", false, viewByMouse},
	}
	for _, j := range journeys {
		t.Run(j.name(), func(t *testing.T) {
			t.Parallel()
			j.walk(t, env, openTab(t, env.browser, j.vp, j.lang, false), j.lang)
		})
	}
}

// archiveByMouse goes from the signup page to the archive, opens the newest
// edition and filters it to Kyrgyzstan.
func archiveByMouse(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	act(t, tab, chromedp.Navigate(env.caravan.url+"/?lang="+lang),
		chromedp.Click(chromedp.CSS(`a[href^="/archive"]`), chromedp.NodeVisible))
	waitText(t, tab, "h1", templates.T(lang, "archive.title"))
	act(t, tab, chromedp.Click(chromedp.CSS(".editions li:first-child a"), chromedp.NodeVisible))
	waitURL(t, tab, `/archive/(daily|weekly)/\d{4}-\d\d-\d\d\?lang=`+lang+`$`)
	waitText(t, tab, "#group-kg", templates.CountryName(lang, "kg"))
	act(t, tab, chromedp.SetValue(chromedp.CSS("#archive-country"), "kg"),
		chromedp.Click(chromedp.CSS("form.filter button"), chromedp.NodeVisible))
	waitURL(t, tab, `country=kg`)
	waitText(t, tab, "#group-kg", templates.CountryName(lang, "kg"))
	if isVisible(t, tab, "#group-uz") {
		t.Fatal("the Kyrgyzstan filter still shows Uzbekistan")
	}
}

// manageByMouse asks for a lost link, follows the mail, and lands on the preferences.
func manageByMouse(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	sub, _ := activeReader(t, env, lang)
	act(t, tab, chromedp.Navigate(env.caravan.url+"/?lang="+lang),
		chromedp.Click(chromedp.CSS(`a[href^="/manage"]`), chromedp.NodeVisible))
	waitText(t, tab, "h1", templates.T(lang, "manage.title"))
	act(t, tab, chromedp.SendKeys(chromedp.CSS("#caravan-email"), sub.Email),
		chromedp.Click(chromedp.CSS(".cvn-submit"), chromedp.NodeVisible))
	waitText(t, tab, "[role=status]", templates.T(lang, "manage.sent.body"))
	act(t, tab, chromedp.Navigate(outboxLink(t, env.caravan, sub.Email, "manage", prefsLink)))
	waitText(t, tab, "h1", templates.T(lang, "prefs.title"))
}

// viewByMouse opens a real digest's "view in browser" link and goes on to
// the preferences from the page.
func viewByMouse(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	sub, _ := activeReader(t, env, lang)
	time.Sleep(5 * time.Millisecond) // the article arrives after the confirmation
	if _, _, err := env.store.UpsertArticles(context.Background(), 0, []store.ArticleInput{{URL: "https://news.example.org/view-kg",
		Title: "Naryn, la ville au bord du fleuve", Countries: []string{"kg"}}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if out, err := cli(t, env.caravan.dir, map[string]string{"CARAVAN_SECRET": testSecret, "CARAVAN_BASE_URL": env.caravan.url},
		"digest", "send", "--frequency", "daily"); err != nil {
		t.Fatalf("digest send: %v\n%s", err, out)
	}
	act(t, tab, chromedp.Navigate(outboxLink(t, env.caravan, sub.Email, "digest", viewLink)))
	waitText(t, tab, "h2", "Naryn, la ville au bord du fleuve")
	act(t, tab, chromedp.Click(chromedp.CSS(`a[href*="/preferences/"]`), chromedp.NodeVisible))
	waitText(t, tab, "h1", templates.T(lang, "prefs.title"))
}

// outboxLink waits for a mail of kind (its Message-ID's first word) to addr in
// the program's outbox holding a link that link matches, and returns it.
func outboxLink(t *testing.T, p *program, addr, kind string, link *regexp.Regexp) string {
	t.Helper()
	var found string
	waitFor(t, "a mail to "+addr+" with a link like "+link.String(), func() bool {
		files, _ := filepath.Glob(filepath.Join(p.dir, "outbox", "*.eml"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil || !strings.Contains(string(raw), "To: <"+addr+">") || !strings.Contains(string(raw), "Message-ID: <"+kind+".") {
				continue
			}
			body := strings.ReplaceAll(strings.ReplaceAll(string(raw), "=\r\n", ""), "=\n", "")
			if m := link.FindString(body); m != "" {
				found = m
				return true
			}
		}
		return false
	})
	return found
}
