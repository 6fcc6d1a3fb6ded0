package templates

import (
	"fmt"
	htmltemplate "html/template"
	"slices"
	texttemplate "text/template"
	"time"
)

// French typography wants a non-breaking space before « : » and a narrow one
// before « ; ? ! »; the catalogue writes them as \u00a0 and \u202f.

// T returns the message key in locale, falling back to French, then to the key itself.
func T(locale, key string) string {
	for _, l := range []string{locale, "fr"} {
		if m, ok := catalog[l][key]; ok {
			return m
		}
		if m, ok := readersCatalog[l][key]; ok {
			return m
		}
		if m, ok := deskCatalog[l][key]; ok {
			return m
		}
	}
	return key
}

// Tf formats the message key in locale with args, as fmt.Sprintf does.
func Tf(locale, key string, args ...any) string {
	return fmt.Sprintf(T(locale, key), args...)
}

// CountryName is the name of a country code in locale ("Kirghizistan", "Kyrgyzstan").
func CountryName(locale, code string) string { return T(locale, "country."+code) }

var monthsFR = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
	"septembre", "octobre", "novembre", "décembre"}

// Date formats a day the way readers of locale write it: "27 novembre 2026", "27 November 2026".
func Date(locale string, t time.Time) string {
	if locale == "en" {
		return t.Format("2 January 2006")
	}
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %d", day, monthsFR[t.Month()-1], t.Year())
}

var commonFuncs = map[string]any{
	"t":       T,
	"tf":      Tf,
	"country": CountryName,
	"date":    Date,
	"when":    DateTime,
	"has":     func(list []string, v string) bool { return slices.Contains(list, v) },
}

var htmlFuncs = htmltemplate.FuncMap(commonFuncs)

var textFuncs = texttemplate.FuncMap(commonFuncs)

// Keys lists the catalogue keys of locale, for tests that check both languages agree.
func Keys(locale string) []string {
	out := make([]string, 0, len(catalog[locale])+len(readersCatalog[locale])+len(deskCatalog[locale]))
	for _, c := range []map[string]map[string]string{catalog, readersCatalog, deskCatalog} {
		for k := range c[locale] {
			out = append(out, k)
		}
	}
	return out
}
