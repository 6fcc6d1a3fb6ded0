package feeds

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/caravan-news/caravan/store"
)

// countryNames lists, per country code, the names and adjectives news sites use
// as tags, in French, English, the local languages in Latin script and Russian.
// They are folded like the categories before matching, so accents, case and
// punctuation do not matter here.
var countryNames = map[string][]string{
	"kz": {
		"Kazakhstan", "Kazakstan", "Qazaqstan", "Kazachstan", "Казахстан",
		"kazakh", "kazakhs", "kazakhe", "kazakhes", "kazak", "kazaks", "kazakhstanais", "kazakhstanaise",
		"kazakhstanaises", "kazakhstani", "kazakhstanis", "kazakh republic",
	},
	"kg": {
		"Kirghizistan", "Kirghizstan", "Kyrgyzstan", "Kirghizie", "Kyrgyz Republic", "Kirgizstan",
		"Kyrgyzia", "Kirgizia", "Kirghizia", "Кыргызстан", "Киргизия",
		"kirghiz", "kirghize", "kirghizes", "kyrgyz", "kyrgyzs", "kirgiz", "kirghizistanais",
		"kirghizistanaise", "kirghizistanaises", "kyrgyzstani", "kyrgyzstanis",
	},
	"uz": {
		"Ouzbékistan", "Ouzbekistan", "Uzbekistan", "Oʻzbekiston", "O'zbekiston", "Uzbekiston", "Узбекистан",
		"ouzbek", "ouzbeks", "ouzbèke", "ouzbèkes", "uzbek", "uzbeks", "uzbekistani", "uzbekistanis",
	},
	"tj": {
		"Tadjikistan", "Tajikistan", "Tadzhikistan", "Tojikiston", "Таджикистан",
		"tadjik", "tadjiks", "tadjike", "tadjikes", "tajik", "tajiks", "tajikistani", "tajikistanis",
	},
	"tm": {
		"Turkménistan", "Turkmenistan", "Turkménie", "Turkmenia", "Türkmenistan", "Туркменистан", "Туркмения",
		"turkmène", "turkmènes", "turkmen", "turkmens", "turkmenistani", "turkmenistanis",
	},
}

// countryPhrases holds countryNames folded into word sequences, built once.
var countryPhrases = func() map[string][][]string {
	out := make(map[string][][]string, len(countryNames))
	for code, names := range countryNames {
		for _, n := range names {
			out[code] = append(out[code], foldWords(n))
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
		words := foldWords(c)
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

// foldWords lower-cases s, strips its diacritics and splits it into words at
// anything that is not a letter or a digit, apostrophes included, so that
// "l'Ouzbékistan" yields "l" and "ouzbekistan".
func foldWords(s string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining accent, dropped
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
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
