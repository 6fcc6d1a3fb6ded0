package feeds_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/caravan-news/caravan/feeds"
)

func TestParseRejectsWhatIsNotAFeed(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		notFeed bool   // errors.Is ErrNotFeed
		want    string // in the message
	}{
		{"html page", fixture(t, "page.html"), true, "HTML page"},
		{"empty body", nil, true, "empty"},
		{"plain text", []byte("hello, this is not XML"), true, "not an RSS or Atom feed"},
		{"broken xml", fixture(t, "broken.xml"), false, "parse feed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := feeds.Parse(tt.body, "https://example.org/feed")
			if err == nil {
				t.Fatalf("parsed %d items, want an error", len(items))
			}
			if errors.Is(err, feeds.ErrNotFeed) != tt.notFeed || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrNotFeed=%v and %q", err, tt.notFeed, tt.want)
			}
		})
	}
}

func TestParseShortensLongSummaryAtAWord(t *testing.T) {
	long := strings.Repeat("<p>Les glaciers du Pamir reculent chaque année.</p>", 100)
	body := fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
		<item><link>https://example.org/pamir</link><description><![CDATA[%s]]></description></item>
		</channel></rss>`, long)
	items, err := feeds.Parse([]byte(body), "https://example.org/feed")
	if err != nil || len(items) != 1 {
		t.Fatalf("items = %+v, err = %v", items, err)
	}
	s := items[0].Summary
	if n := utf8.RuneCountInString(s); n > feeds.SummaryLen || n < feeds.SummaryLen*3/4 {
		t.Errorf("summary is %d characters, want at most %d and not much less", n, feeds.SummaryLen)
	}
	if !strings.HasSuffix(s, "…") || strings.Contains(s, "<") {
		t.Errorf("summary = %q", s)
	}
	words := strings.Fields(strings.TrimSuffix(s, "…"))
	if last := words[len(words)-1]; !strings.Contains(long, " "+last+" ") && !strings.Contains(long, " "+last+".") {
		t.Errorf("summary cut inside a word: %q", last)
	}
	// No title in the item: the start of the summary stands in for it.
	if !strings.HasPrefix(items[0].Title, "Les glaciers du Pamir reculent") || utf8.RuneCountInString(items[0].Title) > 100 {
		t.Errorf("title = %q", items[0].Title)
	}
}
