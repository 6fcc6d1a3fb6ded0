package digest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestDigestMail(t *testing.T) {
	e := newEnv(t)
	pub := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC) // the 27th in Paris
	hostile := store.Article{ID: 1, URL: "https://news.example/a", Title: `Och & "Bichkek" <b>now</b>`,
		Summary:   `<p>First <script>alert(1)</script>paragraph.</p><p>Second &amp; last.</p><img src=x onerror=alert(1)>`,
		Countries: []string{"kg"}, PublishedAt: pub}
	regional := store.Article{ID: 2, URL: "https://news.example/b", Title: "Regional", PublishedAt: pub}
	cases := []struct {
		name     string
		locale   string
		chosen   []string
		arts     []store.Article
		more     int
		subject  string
		contains []string
	}{
		{name: "french, one country", locale: "fr", chosen: []string{"kg", "uz"}, arts: []store.Article{hostile, regional},
			subject:  "2 nouveaux articles\u00a0: Kirghizistan · Asie centrale",
			contains: []string{"27 novembre 2026", "Kirghizistan", "Asie centrale", "First paragraph. Second &amp; last.", "Pays suivis\u00a0: Kirghizistan, Ouzbékistan."}},
		{name: "english, capped", locale: "en", arts: []store.Article{hostile}, more: 12,
			subject:  "13 new articles: Kyrgyzstan · Asie centrale",
			contains: []string{"27 November 2026", "and 12 more articles", `href="https://news.example/"`, "Countries: all five."}},
		{name: "regional news only", locale: "fr", arts: []store.Article{regional},
			subject: "1 nouvel article\u00a0: Asie centrale · Asie centrale", contains: []string{"Regional"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub := store.Subscriber{ID: 7, Email: "reader@example.org", Locale: tc.locale, Frequency: "daily", Countries: tc.chosen}
			r, err := e.compose.renderDigest(newBlocks(), sub, tc.arts, tc.more, e.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", r.Subject, tc.subject)
			}
			for _, s := range tc.contains {
				if !strings.Contains(r.HTML, s) {
					t.Errorf("HTML lacks %q", s)
				}
			}
			// The title is text: "<b>" is shown, as text, in the plain part.
			for _, bad := range []string{"<script", "<img", "<b>", "onerror"} {
				if strings.Contains(r.HTML, bad) || (bad != "<b>" && strings.Contains(r.Text, bad)) {
					t.Errorf("markup from a feed passed through: %q", bad)
				}
			}
			if !strings.Contains(r.HTML, "&lt;b&gt;now&lt;/b&gt;") && tc.arts[0].ID == 1 {
				t.Errorf("title not escaped as text")
			}
		})
	}
	m, err := e.compose.Digest(store.Subscriber{ID: 7, Email: "reader@example.org", Locale: "fr", Frequency: "daily"},
		[]store.Article{regional}, 0, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	checkDigest(t, received{To: "reader@example.org", Raw: buf.String()})
}

func TestPreview(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	w := &Worker{Store: e.st, Compose: e.compose}
	e.subscriber(t, "ana@example.org", "weekly", "en", "tj")
	if p, err := w.Preview(ctx, "ANA@example.org", e.clock.Now()); err != nil || p.Total != 0 || p.Text != "" {
		t.Fatalf("nothing new: %+v %v", p, err)
	}
	e.clock.Add(time.Hour)
	for i := range 17 {
		e.article(t, fmt.Sprintf("tj%d", i), e.clock.Now().Add(time.Duration(i)*time.Minute), "tj")
	}
	e.article(t, "kz", e.clock.Now(), "kz")
	e.clock.Add(time.Hour)
	p, err := w.Preview(ctx, "ana@example.org", e.clock.Now())
	if err != nil || p.Total != 17 || p.Listed != Cap || !strings.Contains(p.Text, "Title tj16") ||
		!strings.Contains(p.Text, "and 2 more articles") || p.Subject != "17 new articles: Tajikistan · Asie centrale" {
		t.Fatalf("preview: %+v %v", p, err)
	}
	if _, err := w.Preview(ctx, "nobody@example.org", e.clock.Now()); err == nil {
		t.Fatal("unknown address previewed")
	}
	runs, _ := e.st.Runs(ctx, 10)
	if len(runs) != 0 {
		t.Fatalf("a preview recorded a run: %+v", runs)
	}
}
