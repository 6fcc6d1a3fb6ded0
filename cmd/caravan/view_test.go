package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var viewLink = regexp.MustCompile(`https?://[^\s"<>]+/view/[A-Za-z0-9_-]+`)

// sendDaily starts the daily run through the admin API and waits until it is done.
func (h *hostileProgram) sendDaily(t *testing.T) {
	t.Helper()
	if code := h.admin(t, "POST", "/api/admin/digests", `{"frequency":"daily"}`, nil); code != http.StatusAccepted {
		t.Fatalf("start the daily run: %d", code)
	}
	var runs struct {
		Runs []struct {
			Frequency, Status string
		} `json:"runs"`
	}
	waitFor(t, "the daily run to finish", func() bool {
		h.admin(t, "GET", "/api/admin/digests", "", &runs)
		return len(runs.Runs) > 0 && runs.Runs[0].Status == "done"
	})
}

// TestViewInBrowserFromARealDigest: a reader's digest, sent through SMTP,
// links to its page in the browser and to the archive; the page is that
// digest as sent, even after the reader changed their choices; once they are
// erased it is the public edition of the day.
func TestViewInBrowserFromARealDigest(t *testing.T) {
	h := startReaders(t, t.TempDir(), map[string]string{"CARAVAN_BASE_URL": ""})
	const reader = "viewer@example.org"
	signupForm(t, h.url, reader) // kg and uz, daily, French
	raw, _, _ := h.mailWith(t, reader, "Confirmez")
	walkConfirm(t, h.url, raw)
	time.Sleep(5 * time.Millisecond) // the articles arrive after the confirmation
	h.admin(t, "POST", "/api/admin/articles", `[
		{"guid": "kg-v", "url": "https://news.example.org/kg-v", "title": "Le lac Issyk-Koul attend les touristes", "countries": ["kg"], "alert": true},
		{"guid": "tj-v", "url": "https://news.example.org/tj-v", "title": "Douchanbé construit un barrage", "countries": ["tj"]}]`, nil)
	time.Sleep(5 * time.Millisecond)
	h.sendDaily(t)
	_, text, htmlPart := h.mailWith(t, reader, "nouvel article")
	link := viewLink.FindString(text)
	if link == "" || !strings.Contains(htmlPart, "Voir dans le navigateur") || !strings.Contains(htmlPart, link) {
		t.Fatalf("no view link in the digest:\n%s", text)
	}
	if !strings.Contains(text, "Alerte · Kirghizistan") { // breaking news is marked as such in the digest
		t.Errorf("the alert is not marked in the digest:\n%s", text)
	}
	if !regexp.MustCompile(`Archives.{1,3}: https?://\S+/archive\r?\n`).MatchString(text) {
		t.Errorf("the digest's footer does not link the archive:\n%s", text)
	}
	u, _ := url.Parse(link)
	view := func() (int, string) { return getPage(t, h.url+u.Path) }
	code, page := view()
	if code != 200 || !strings.Contains(page, "Le lac Issyk-Koul attend les touristes") || strings.Contains(page, "Douchanbé") ||
		!strings.Contains(page, "/unsubscribe/") {
		t.Fatalf("view: %d\n%s", code, page)
	}
	checkNoActiveHTML(t, "view page", page)

	// The reader switches to Tajikistan and English: the page still shows what was sent.
	prefs := prefsLink.FindString(text)
	pu, _ := url.Parse(prefs)
	resp, err := noRedirect.PostForm(h.url+pu.Path, url.Values{"countries": {"tj"}, "frequency": {"weekly"}, "lang": {"en"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("preferences: %v %v", err, resp)
	}
	resp.Body.Close()
	if code, again := view(); code != 200 || again != page {
		t.Errorf("the view changed with the reader's choices: %d", code)
	}

	// Erased: the public edition of that day, which lists every article of the run.
	if code := h.admin(t, "DELETE", "/api/admin/subscribers/"+url.PathEscape(reader), "", nil); code/100 != 2 {
		t.Fatalf("erase: %d", code)
	}
	code, page = view()
	if code != 200 || !strings.Contains(page, "édition publique") || !strings.Contains(page, "Douchanbé construit un barrage") ||
		!strings.Contains(page, `class="alert"`) {
		t.Fatalf("view after erasure: %d\n%s", code, page)
	}
}
