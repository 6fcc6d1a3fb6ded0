package store

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Countries are the codes Caravan knows, in display order.
var Countries = []string{"kz", "kg", "uz", "tj", "tm"}

// ErrCountry reports an unknown country code.
var ErrCountry = fmt.Errorf("%w: unknown country (want kz, kg, uz, tj or tm)", ErrInvalid)

// NormalizeCountries lower-cases, checks, de-duplicates and orders codes.
// A country may be given by its name too, as feeds tag articles
// ("Kirghizistan", "Kyrgyzstan": kg). An empty result means all countries.
func NormalizeCountries(codes []string) ([]string, error) {
	var out []string
	for _, c := range codes {
		for _, part := range strings.Split(c, ",") {
			part = strings.ToLower(strings.TrimSpace(part))
			if part == "" {
				continue
			}
			if code, ok := countryByName[strings.Join(FoldWords(part), " ")]; ok {
				part = code
			}
			if !slices.Contains(Countries, part) {
				return nil, fmt.Errorf("%w: %q", ErrCountry, part)
			}
			if !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(Countries, a) - slices.Index(Countries, b) })
	if len(out) == len(Countries) {
		return nil, nil
	}
	return out, nil
}

// countryByName maps each of CountryNames, folded, to its code.
var countryByName = func() map[string]string {
	out := map[string]string{}
	for code, names := range CountryNames {
		for _, n := range names {
			out[strings.Join(FoldWords(n), " ")] = code
		}
	}
	return out
}()

// CountryNames lists, per country code, the names and adjectives news sites use
// as tags, in French, English, the local languages in Latin script and Russian.
// They are folded like the categories before matching, so accents, case and
// punctuation do not matter here.
var CountryNames = map[string][]string{
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

// FoldWords lower-cases s, strips its diacritics and splits it into words at
// anything that is not a letter or a digit, apostrophes included, so that
// "l'Ouzbékistan" yields "l" and "ouzbekistan".
func FoldWords(s string) []string {
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

func joinCodes(codes []string) string { return strings.Join(codes, ",") }

func splitCodes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Frequencies are the digest rhythms a subscriber can choose.
var Frequencies = []string{"daily", "weekly"}

// Locales are the languages of pages and mails.
var Locales = []string{"fr", "en"}

// ErrFrequency and ErrLocale report values outside Frequencies and Locales.
var (
	ErrFrequency = fmt.Errorf("%w: frequency must be daily or weekly", ErrInvalid)
	ErrLocale    = fmt.Errorf("%w: language must be fr or en", ErrInvalid)
)

// ErrLang reports an article language that is not a language tag.
var ErrLang = fmt.Errorf("%w: lang must be a language code such as fr or en", ErrInvalid)

// NormalizeLang reads a language tag (fr, en, fr-FR, en_GB) as its primary
// subtag, lower-cased: the language readers' locales are matched against.
// Empty stays empty: an article of unknown language goes to every reader.
func NormalizeLang(tag string) (string, error) {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return "", nil
	}
	primary, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	primary = strings.ToLower(primary)
	if len(primary) < 2 || len(primary) > 3 || strings.ContainsFunc(primary, func(r rune) bool { return r < 'a' || r > 'z' }) {
		return "", fmt.Errorf("%w, got %q", ErrLang, tag)
	}
	return primary, nil
}

// CheckChoices validates a frequency and a locale.
func CheckChoices(frequency, locale string) error {
	if !slices.Contains(Frequencies, frequency) {
		return ErrFrequency
	}
	if !slices.Contains(Locales, locale) {
		return ErrLocale
	}
	return nil
}
