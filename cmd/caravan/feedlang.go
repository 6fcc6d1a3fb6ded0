package main

import (
	"fmt"
	"strings"

	"github.com/caravan-news/caravan/store"
)

// feedLang reads the language prefix of a CARAVAN_FEEDS entry:
// "fr=https://example.org/feed/" is the feed at that URL, whose articles are
// in French whatever its <language> says. An entry without a prefix has lang "".
func feedLang(entry string) (lang, url string, err error) {
	prefix, rest, found := strings.Cut(strings.TrimSpace(entry), "=")
	if !found || strings.ContainsAny(prefix, ":/?#") {
		return "", strings.TrimSpace(entry), nil // no prefix; an "=" in the URL's query is the URL's
	}
	if lang, err = store.NormalizeLang(prefix); err != nil || lang == "" {
		return "", "", fmt.Errorf("%q: the language before \"=\" must be a code such as fr or en", entry)
	}
	return lang, strings.TrimSpace(rest), nil
}

// feedLanguages splits the entries of CARAVAN_FEEDS into their URLs and the
// languages given to some of them (URL → language).
func feedLanguages(entries []string) (urls []string, langs map[string]string, err error) {
	langs = map[string]string{}
	for _, e := range entries {
		lang, url, err := feedLang(e)
		if err != nil {
			return nil, nil, err
		}
		urls = append(urls, url)
		if lang != "" {
			langs[url] = lang
		}
	}
	return urls, langs, nil
}
