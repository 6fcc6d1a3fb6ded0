package feeds_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/caravan-news/caravan/feeds"
	"github.com/caravan-news/caravan/store"
)

// markup is what a browser reads as the start of an element, an end tag, a
// comment or a processing instruction; "a < b", "x</" or "</3" are text and may stay.
var markup = regexp.MustCompile(`<[A-Za-z!?]|</[A-Za-z]`)

// FuzzParse feeds arbitrary documents to the feed parser. It must never panic,
// and whatever it returns is plain text: titles and summaries hold no tag (so
// no script element, no event-handler attribute); lengths stay within bounds; an item the store accepts has an
// http(s) link and a title on one line.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","url":"javascript:alert(1)",` +
		`"title":"<img src=x onerror=alert(1)>","content_html":"<script>alert(2)</script><p onclick=x>hi</p>"}]}`))
	f.Add([]byte(`<rss version="2.0"><channel><item><title>&amp;amp;amp;amp;amp;amp;amp;amp;amp;amp;lt;b&amp;amp;gt;</title>` +
		`<link>/relative</link><description>&lt;a href="javascript:x"&gt;t&lt;/a&gt;</description></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">&lt;svg/onload=alert(1)&gt;</title>` +
		`<link href="https://x.example/a"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>x</script></div></content></entry></feed>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := feeds.Parse(body, "https://news.example.org/feed")
		if err != nil {
			return
		}
		for _, it := range items {
			for field, s := range map[string]string{"title": it.Title, "summary": it.Summary} {
				if markup.MatchString(s) { // no tag, hence no script element and no on* attribute
					t.Fatalf("%s holds markup: %q", field, s)
				}
				if !utf8.ValidString(s) {
					t.Fatalf("%s is not UTF-8: %q", field, s)
				}
			}
			if n := utf8.RuneCountInString(it.Title); n > store.MaxTitleLen {
				t.Fatalf("title of %d characters", n)
			}
			if n := utf8.RuneCountInString(it.Summary); n > feeds.SummaryLen {
				t.Fatalf("summary of %d characters", n)
			}
			in := it
			if in.Normalize() != nil {
				continue
			}
			if !strings.HasPrefix(in.URL, "http://") && !strings.HasPrefix(in.URL, "https://") {
				t.Fatalf("stored link %q", in.URL)
			}
			if strings.ContainsAny(in.Title, "\r\n") {
				t.Fatalf("title on several lines: %q", in.Title)
			}
		}
	})
}
