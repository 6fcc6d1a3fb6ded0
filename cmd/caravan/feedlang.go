package main

import (
	"errors"
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
		return "", "", errors.New("the language before \"=\" must be a code such as fr or en, as in fr=https://example.org/feed/")
	}
	return lang, strings.TrimSpace(rest), nil
}
