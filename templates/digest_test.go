package templates_test

import (
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/templates"
)

// The digest's sample for TestEveryMailRenders.
func init() {
	mailData["digest"] = templates.DigestMail{Locale: "fr", SiteName: "Asie centrale", Accent: "#9b2c1f",
		Subject: "1 nouvel article", Date: time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC), Count: "1 nouvel article",
		Following: "Kirghizistan", Frequency: "daily", More: 2, MoreURL: "https://news.example/",
		Articles:       []templates.DigestBlock{{Text: "Titre\n", HTML: "<tr><td>Titre</td></tr>"}},
		PreferencesURL: "http://localhost:8080/preferences/x", UnsubscribeURL: "http://localhost:8080/unsubscribe/x"}
}

func TestDigestArticleBlockEscapesFeedText(t *testing.T) {
	set, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	b, err := set.MailBlock("digest", "article", templates.DigestArticle{Locale: "fr", Accent: "#9b2c1f",
		Title: `Bichkek <script>alert(1)</script>`, URL: "javascript:alert(1)",
		Summary: `<img src=x onerror=alert(1)> & "quotes"`, Countries: []string{"kg", "kz"},
		Published: time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	html := string(b.HTML)
	for _, bad := range []string{"<script", "<img", "javascript:"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML block contains %q:\n%s", bad, html)
		}
	}
	for _, good := range []string{"Bichkek &lt;script&gt;", "Kirghizistan · Kazakhstan", "27 novembre 2026"} {
		if !strings.Contains(html, good) {
			t.Errorf("HTML block lacks %q:\n%s", good, html)
		}
	}
	if !strings.Contains(b.Text, "Bichkek <script>alert(1)</script>") {
		t.Errorf("text block should keep the title as text:\n%s", b.Text)
	}
	if _, err := set.MailBlock("digest", "nope", nil); err == nil {
		t.Error("unknown block rendered")
	}
}
