package feeds

import (
	"slices"

	"github.com/caravan-news/caravan/store"
)

// countryPhrases holds countryNames folded into word sequences, built once.
var countryPhrases = func() map[string][][]string {
	out := make(map[string][][]string, len(store.CountryNames))
	for code, names := range store.CountryNames {
		for _, n := range names {
			out[code] = append(out[code], store.FoldWords(n))
		}
	}
	return out
}()

// MatchCountries returns the codes of the countries the feed categories name,
// ordered as store.Countries and without duplicates. Matching ignores accents and
// case and takes whole words only, so "Asie centrale" names no country: such an
// article is regional news and goes to everyone.
func MatchCountries(categories ...string) []string {
	var found []string
	for _, c := range categories {
		words := store.FoldWords(c)
		if len(words) == 0 {
			continue
		}
		for code, phrases := range countryPhrases {
			if slices.Contains(found, code) {
				continue
			}
			for _, p := range phrases {
				if containsPhrase(words, p) {
					found = append(found, code)
					break
				}
			}
		}
	}
	var out []string
	for _, code := range store.Countries {
		if slices.Contains(found, code) {
			out = append(out, code)
		}
	}
	return out
}

// containsPhrase reports whether phrase occurs in words as consecutive whole words.
func containsPhrase(words, phrase []string) bool {
	for i := 0; i+len(phrase) <= len(words); i++ {
		if slices.Equal(words[i:i+len(phrase)], phrase) {
			return true
		}
	}
	return false
}
