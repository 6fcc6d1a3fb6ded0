package templates_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/templates"
)

// samplePages gives each page template data it can render.
func samplePage(name, locale string) templates.Page {
	site := templates.Site{Name: "Asie centrale", Accent: "#9b2c1f", BaseURL: "http://localhost:8080", From: "Newsletter"}
	form := templates.SignupForm{Action: "/subscribe", All: []string{"kz", "kg", "uz", "tj", "tm"}, Countries: []string{"kg"},
		Errors: map[string]string{"email": "bad <address>"}, Email: `"><script>x</script>`}
	msg := templates.Message{Title: "confirm.title", Body: "confirm.body", Action: "/confirm/x", Button: "confirm.button", Back: true}
	p := templates.Page{Locale: locale, Title: "signup.title", Site: site, Data: msg}
	if name == "signup" || name == "embed" {
		p.Data = form
	}
	return p
}

// TestEveryPageRenders renders every page in both languages, so that a template
// error surfaces here and not in front of a reader.
func TestEveryPageRenders(t *testing.T) {
	set, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range set.Pages() {
		for _, loc := range []string{"fr", "en"} {
			var buf bytes.Buffer
			data := samplePage(name, loc)
			if d, ok := pageData[name]; ok {
				data.Data = d
			}
			if err := set.Page(&buf, name, data); err != nil {
				t.Errorf("%s/%s: %v", name, loc, err)
				continue
			}
			if strings.Contains(buf.String(), "<script>x") {
				t.Errorf("%s/%s: user input not escaped", name, loc)
			}
		}
	}
}

// pageData holds sample data for pages whose data is not a form or a message.
// Pages added later register theirs here.
var pageData = map[string]any{
	"unsubscribe": templates.Unsubscribe{Done: true, Action: "/unsubscribe/t", PreferencesURL: "/preferences/p",
		ResubscribeAction: "/preferences/p/resubscribe"},
	"preferences": templates.Preferences{Action: "/preferences/p", Countries: []string{"kg"}, Frequency: "weekly",
		Language: "en", All: []string{"kz", "kg", "uz", "tj", "tm"}, Errors: map[string]string{"lang": `"><script>x</script>`},
		Saved: true, Unsubscribed: true, ResubscribeAction: "/preferences/p/resubscribe", UnsubscribeURL: "/unsubscribe/t"},
	"manage": templates.Manage{Email: `"><script>x</script>`, Error: "bad"},
	"archive": templates.ArchiveList{Editions: []templates.ArchiveEntry{{URL: "/archive/daily/2026-11-27", Frequency: "daily",
		Date: time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC), Articles: 3}}, NewerURL: "/archive", OlderURL: "/archive?page=3",
		FeedURL: "/archive.atom"},
	"edition": templates.EditionPage{Frequency: "weekly", Date: time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC),
		Groups: []templates.EditionGroup{{Country: "kg", Articles: []templates.EditionArticle{{Title: `"><script>x</script>`,
			URL: "https://example.org/a", Alert: true}}}, {Articles: []templates.EditionArticle{{Title: "R", URL: "https://example.org/r"}}}},
		All: []string{"kz", "kg"}, Country: "kg", Action: "/archive/weekly/2026-11-23", FeedURL: "/archive.atom", BackURL: "/archive",
		Notice: "view.public"},
}

// mailData holds sample data for each mail template.
var mailData = map[string]any{
	"confirm": map[string]any{"Locale": "fr", "SiteName": "Asie centrale", "Logo": "https://news.example/logo.png", "Accent": "#9b2c1f", "ConfirmURL": "http://localhost:8080/confirm/abc"},
	"reconsent": templates.ReconsentMail{Locale: "fr", SiteName: "Asie centrale", Accent: "#9b2c1f",
		PreferencesURL: "http://localhost:8080/preferences/p", UnsubscribeURL: "http://localhost:8080/unsubscribe/u", Days: 30},
	"notice": templates.NoticeMail{Locale: "fr", SiteName: "Asie centrale", Accent: "#9b2c1f", Subject: "Rappel",
		Paragraphs: []string{"a"}, Button: "Confirmer", ButtonURL: "http://localhost:8080/confirm/c", Notes: []string{"b"}},
	"welcome": templates.WelcomeMail{Locale: "en", SiteName: "Asie centrale", Accent: "#9b2c1f", Subject: "Welcome",
		What: "daily", Next: time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC), AlertsText: "alerts",
		Articles:   []templates.DigestArticle{{Locale: "en", Title: "T", URL: "https://example.org/a", Countries: []string{"kg"}}},
		ArchiveURL: "http://localhost:8080/archive", PreferencesURL: "http://localhost:8080/preferences/p",
		UnsubscribeURL: "http://localhost:8080/unsubscribe/u"},
}

func TestEveryMailRenders(t *testing.T) {
	set, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range set.Mails() {
		data, ok := mailData[name]
		if !ok {
			t.Errorf("mail %s has no sample data in mailData", name)
			continue
		}
		text, html, err := set.Mail(name, data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if text == "" || !strings.Contains(html, "<html") {
			t.Errorf("%s: empty part", name)
		}
	}
}

func TestCatalogHasEveryKeyInBothLanguages(t *testing.T) {
	fr, en := templates.Keys("fr"), templates.Keys("en")
	for _, k := range fr {
		if !slices.Contains(en, k) {
			t.Errorf("%q missing in en", k)
		}
	}
	for _, k := range en {
		if !slices.Contains(fr, k) {
			t.Errorf("%q missing in fr", k)
		}
	}
}

func TestFrenchTypography(t *testing.T) {
	for _, k := range templates.Keys("fr") {
		m := templates.T("fr", k)
		for _, p := range []string{" :", " ;", " ?", " !", "« ", " »"} {
			if strings.Contains(m, p) {
				t.Errorf("%s: ordinary space in %q (use a non-breaking one): %q", k, p, m)
			}
		}
	}
}

func TestDates(t *testing.T) {
	d := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	if got := templates.Date("fr", d); got != "27 novembre 2026" {
		t.Errorf("fr: %q", got)
	}
	if got := templates.Date("en", d); got != "27 November 2026" {
		t.Errorf("en: %q", got)
	}
	if got := templates.Date("fr", d.AddDate(0, 0, 4)); got != "1er décembre 2026" {
		t.Errorf("fr first: %q", got)
	}
	if got := templates.DateTime("fr", d); got != "vendredi 27 novembre 2026 à 7\u00a0h\u00a000" {
		t.Errorf("fr date and time: %q", got)
	}
	if got := templates.DateTime("en", d); got != "Friday 27 November 2026 at 07:00" {
		t.Errorf("en date and time: %q", got)
	}
}
