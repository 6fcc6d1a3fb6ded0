package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// feedEntry is one entry of CARAVAN_FEEDS, parsed.
type feedEntry struct {
	URL  string // absolute http(s)
	Lang string // the language of its articles, from a "fr=" prefix; "": the feed's <language> says
}

// parseFeedEntry reads one entry of CARAVAN_FEEDS: an absolute http or https
// URL, after an optional language prefix (fr=https://…). The error says what
// is wrong with it in words an operator can act on; the caller names the entry.
func parseFeedEntry(entry string) (feedEntry, error) {
	lang, raw, err := feedLang(entry)
	if err != nil {
		return feedEntry{}, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return feedEntry{}, fmt.Errorf("not a URL: %v", unwrapURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return feedEntry{}, errors.New("want an http:// or https:// address, such as https://example.org/feed/")
	}
	if u.Hostname() == "" {
		return feedEntry{}, errors.New("the URL names no host, as in https://example.org/feed/")
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return feedEntry{}, errors.New("a URL has no spaces (write a space in a path as %20)")
	}
	return feedEntry{URL: raw, Lang: lang}, nil
}

// parseFeeds reads the comma-separated CARAVAN_FEEDS. Blank entries and
// repeats are dropped; each malformed entry gets an error naming it by its
// position and text, so that one typo is refused at start rather than leaving
// the feeds unpolled.
func parseFeeds(setting string) (out []feedEntry, errs []error) {
	seen := map[string]bool{}
	for i, entry := range strings.Split(setting, ",") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		f, err := parseFeedEntry(entry)
		if err != nil {
			errs = append(errs, fmt.Errorf("entry %d %q: %w", i+1, strings.TrimSpace(entry), err))
			continue
		}
		if !seen[f.URL] {
			seen[f.URL] = true
			out = append(out, f)
		}
	}
	return out, errs
}

// feedURLs lists the URLs of entries, in order.
func feedURLs(entries []feedEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.URL
	}
	return out
}

// feedLangs maps the URL of each entry given a language to that language.
func feedLangs(entries []feedEntry) map[string]string {
	out := map[string]string{}
	for _, e := range entries {
		if e.Lang != "" {
			out[e.URL] = e.Lang
		}
	}
	return out
}

// unwrapURLError drops the "parse <url>:" that url.Parse puts before its
// reason: the caller already shows the entry.
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
