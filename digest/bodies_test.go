package digest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// A digest built from a run's shared body must read exactly as the one
// rendered for its reader alone, links included, whoever shared it before.
func TestSharedBodyReadsAsRenderedAlone(t *testing.T) {
	e := newEnv(t)
	pub := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC)
	long := strings.Repeat("Une très longue phrase sur l’eau et l’énergie en Asie centrale, ", 8)
	arts := []store.Article{
		{ID: 1, URL: "https://news.example/a?x=1&y=2", Title: `Och & "Bichkek" = <b>now</b>`, Summary: long,
			Countries: []string{"kg"}, PublishedAt: pub},
		{ID: 2, URL: "https://news.example/b", Title: "Régional ", Summary: "Fin de ligne  ", PublishedAt: pub},
	}
	readers := []store.Subscriber{
		{ID: 7, Email: "ana@example.org", Locale: "fr", Frequency: "daily", Countries: []string{"kg", "uz"}},
		{ID: 123456789, Email: "bob@example.org", Locale: "fr", Frequency: "daily", Countries: []string{"kg", "uz"}},
		{ID: 8, Email: "cat@example.org", Locale: "en", Frequency: "weekly"},
	}
	cache := newBodies()
	for _, sub := range readers {
		m, err := e.compose.digest(cache, 42, sub, arts, 3, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		raw := buf.String()
		_, encoded, _ := strings.Cut(raw, "\r\n\r\n")
		for i, line := range strings.Split(encoded, "\r\n") {
			if len(line) > 78 {
				t.Errorf("%s: line %d is %d long: %q", sub.Email, i, len(line), line)
			}
			for _, c := range []byte(line) {
				if c >= 0x80 {
					t.Fatalf("%s: line %d is not 7-bit: %q", sub.Email, i, line)
				}
			}
		}
		got := received{To: sub.Email, Raw: raw}
		checkDigest(t, got)
		text, html := parts(t, got)
		want, err := e.compose.renderDigestLinks(nil, sub, arts, 3, e.clock.Now(), readerLinks{
			Preferences: e.compose.PreferencesURL(sub.ID), Unsubscribe: e.compose.UnsubscribeURL(sub.ID),
			View: e.compose.BaseURL + "/view/" + e.compose.viewToken(42, sub)})
		if err != nil {
			t.Fatal(err)
		}
		if want.Text = strings.ReplaceAll(want.Text, "\n", "\r\n"); text != want.Text {
			t.Errorf("%s: text part\n%q\nwant\n%q", sub.Email, text, want.Text)
		}
		if want.HTML = strings.ReplaceAll(want.HTML, "\n", "\r\n"); html != want.HTML {
			t.Errorf("%s: HTML part differs from the one rendered alone", sub.Email)
		}
	}
	if len(cache.m) != 2 {
		t.Errorf("%d bodies rendered for two distinct digests", len(cache.m))
	}
}
