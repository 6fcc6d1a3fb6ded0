package feeds

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
)

// SummaryLen is the longest summary kept from a feed item, in characters:
// enough for a digest's teaser, never the whole article.
const SummaryLen = 600

// strict removes every tag, and the content of script and style elements.
// A bluemonday policy is safe for concurrent use once built.
var strict = bluemonday.StrictPolicy()

// blockTag matches the tags that separate words visually, so that spaces put
// around them keep "<p>a</p><p>b</p>" from reading "ab" once tags are gone.
// Inline tags get no space: "<a>this</a>." stays "this.". It only adds spaces;
// removing markup is bluemonday's job.
var blockTag = regexp.MustCompile(`(?i)</?(p|br|div|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|header|footer|figure|figcaption|hr|dd|dt|pre)\b[^>]*>`)

// plainText turns a fragment of feed HTML into one line of plain text: no tags,
// entities decoded, runs of white space collapsed. Feeds sometimes escape their
// markup twice, so a decoded "&lt;script&gt;" is stripped again until nothing
// changes; if that never settles the still-escaped text is returned, which is
// ugly but holds no markup.
func plainText(s string) string {
	s = strings.ToValidUTF8(s, "")
	for range 8 {
		next := html.UnescapeString(strict.Sanitize(blockTag.ReplaceAllString(s, " $0 ")))
		if next == s {
			return strings.Join(strings.Fields(s), " ")
		}
		s = next
	}
	return strings.Join(strings.Fields(strict.Sanitize(s)), " ")
}

// truncate shortens s to at most n characters, cutting at a word boundary when
// one is near and marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	cut := string(runes[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*3/4 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-–—") + "…"
}
