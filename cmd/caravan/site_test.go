package main

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// get returns the body of GET url.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", url, resp.StatusCode, b)
	}
	return string(b)
}

// headerOf decodes header name of a raw message.
func headerOf(t *testing.T, raw []byte, name string) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	v, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get(name))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSiteNameScheduleAndLogoEverywhere runs the program with its own site
// name, schedules, logo and site URL, and finds each where a reader sees it:
// the pages, the confirmation mail, the digest and its subject and sender.
func TestSiteNameScheduleAndLogoEverywhere(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CARAVAN_SITE_NAME": "Novastan", "CARAVAN_DAILY_AT": "0 0 29 2 *", "CARAVAN_WEEKLY_AT": "30 8 * * 5",
		"CARAVAN_LOGO_URL": "https://www.novastan.example/logo.png", "CARAVAN_SITE_URL": "https://www.novastan.example/"}
	p := startServe(t, dir, env)
	for lang, want := range map[string][]string{
		"fr": {"La newsletter «\u00a0Novastan\u00a0»", "Chaque semaine, le vendredi vers 8\u00a0h\u00a030"},
		"en": {"The Novastan newsletter", "Every week, on Friday at about 8:30\u00a0am"},
	} {
		page := get(t, p.url+"/?lang="+lang)
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("signup page (%s) lacks %q", lang, w)
			}
		}
		if strings.Contains(page, "Chaque matin") || strings.Contains(page, "le lundi") {
			t.Errorf("signup page (%s) still says the fixed schedule", lang)
		}
	}

	signupForm(t, p.url, "reader@example.org")
	confirm := waitOutbox(t, dir, 1)[0]
	text, html := mailParts(t, confirm)
	if s := headerOf(t, confirm, "Subject"); !strings.Contains(s, "Novastan") {
		t.Errorf("confirmation subject %q lacks the site name", s)
	}
	if from := headerOf(t, confirm, "From"); from != `"Novastan" <newsletter@localhost>` {
		t.Errorf("From = %q, want the site name as display name", from)
	}
	if !strings.Contains(text, "«\u00a0Novastan\u00a0»") || strings.Contains(text, "«\u00a0Asie centrale\u00a0»") ||
		!strings.Contains(html, `<img src="https://www.novastan.example/logo.png"`) {
		t.Errorf("confirmation mail lacks the site name or logo:\n%s\n%s", text, html)
	}
	walkConfirm(t, p.url, confirm)
	p.stop()

	var items []string
	for i := range 17 {
		items = append(items, fmt.Sprintf(`{"url":"https://news.example.org/kg/%d","title":"Article %d","countries":["kg"]}`, i, i))
	}
	file := filepath.Join(dir, "a.json")
	os.WriteFile(file, []byte("["+strings.Join(items, ",")+"]"), 0o644)
	if out, err := cli(t, dir, env, "articles", "import", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := cli(t, dir, env, "digest", "send", "--frequency", "daily"); err != nil || !strings.Contains(out, "1 sent") {
		t.Fatalf("%v\n%s", err, out)
	}
	digest := waitDigestMail(t, dir)
	text, html = mailParts(t, digest)
	if s := headerOf(t, digest, "Subject"); !strings.Contains(s, "Novastan") || !strings.Contains(s, "Kirghizistan") {
		t.Errorf("digest subject %q", s)
	}
	if !strings.Contains(html, `<img src="https://www.novastan.example/logo.png"`) || !strings.Contains(html, `href="https://www.novastan.example/"`) ||
		!strings.Contains(text, "autres articles\u00a0: https://www.novastan.example/") {
		t.Errorf("digest lacks the logo or the site's link for the rest:\n%s\n%s", text, html)
	}
}
