package templates_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/templates"
)

// TestDeskKeysAreInTheCatalog reads the desk's templates for the catalogue
// keys they name and checks that each has a sentence in both languages.
func TestDeskKeysAreInTheCatalog(t *testing.T) {
	files, err := filepath.Glob("desk/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("desk templates: %v %v", files, err)
	}
	key := regexp.MustCompile(`\bt \$?\.?[A-Za-z]+ "([a-z][a-z0-9.]+)"`)
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		for _, m := range key.FindAllStringSubmatch(string(raw), -1) {
			for _, l := range []string{"fr", "en"} {
				if templates.T(l, m[1]) == m[1] {
					t.Errorf("%s: key %q has no %s sentence", f, m[1], l)
				}
			}
		}
	}
	// Keys made from values (statuses, frequencies, actions) are listed here.
	for _, prefix := range []string{"desk.status.", "desk.freq.", "desk.run.", "desk.nav.", "desk.locale."} {
		found := false
		for _, k := range templates.Keys("en") {
			found = found || strings.HasPrefix(k, prefix)
		}
		if !found {
			t.Errorf("no key starts with %s", prefix)
		}
	}
}

func TestDeskNumbers(t *testing.T) {
	for _, tc := range []struct {
		locale string
		n      int64
		want   string
	}{{"en", 1234567, "1,234,567"}, {"fr", 1234567, "1\u202f234\u202f567"}, {"fr", 999, "999"}, {"en", -1000, "-1,000"}} {
		if got := templates.Number(tc.locale, tc.n); got != tc.want {
			t.Errorf("Number(%s, %d) = %q, want %q", tc.locale, tc.n, got, tc.want)
		}
	}
	if got := templates.Percent("fr", 0.0012); got != "0,12\u00a0%" {
		t.Errorf("Percent fr: %q", got)
	}
	if got := templates.Percent("en", 0.75); got != "75.00%" {
		t.Errorf("Percent en: %q", got)
	}
}
