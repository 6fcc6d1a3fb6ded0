package store

import (
	"fmt"
	"slices"
	"strings"
)

// Countries are the codes Caravan knows, in display order.
var Countries = []string{"kz", "kg", "uz", "tj", "tm"}

// ErrCountry reports an unknown country code.
var ErrCountry = fmt.Errorf("%w: unknown country (want kz, kg, uz, tj or tm)", ErrInvalid)

// NormalizeCountries lower-cases, checks, de-duplicates and orders codes.
// An empty result means all countries.
func NormalizeCountries(codes []string) ([]string, error) {
	var out []string
	for _, c := range codes {
		for _, part := range strings.Split(c, ",") {
			part = strings.ToLower(strings.TrimSpace(part))
			if part == "" {
				continue
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
