package templates_test

import (
	"testing"

	"github.com/caravan-news/caravan/templates"
)

// TestPaletteKeepsTextReadable checks, for accents a site might pick, that
// links and buttons reach WCAG AA contrast on the light and dark pages.
func TestPaletteKeepsTextReadable(t *testing.T) {
	light := []string{"#ffffff", "#fbfaf7", "#f7f5ef"} // card, paper, the embed's tint
	dark := []string{"#161615", "#1f1f1d"}             // paper, card
	for _, accent := range []string{"#9b2c1f", "#f5c518", "#0a7", "#14325c", "#ff0000", "#777777", "#000", "#fff"} {
		p := templates.Site{Accent: accent}.Palette()
		for _, bg := range light {
			if c := templates.ContrastHex(string(p.Text), bg); c < templates.MinContrast {
				t.Errorf("%s: link %s on %s: %.2f:1", accent, p.Text, bg, c)
			}
		}
		for _, bg := range dark {
			if c := templates.ContrastHex(string(p.TextDark), bg); c < templates.MinContrast {
				t.Errorf("%s: dark link %s on %s: %.2f:1", accent, p.TextDark, bg, c)
			}
		}
		if c := templates.ContrastHex(string(p.OnAccent), string(p.Button)); c < templates.MinContrast {
			t.Errorf("%s: button text %s on %s: %.2f:1", accent, p.OnAccent, p.Button, c)
		}
	}
}

func TestPaletteKeepsTheSiteColourWhenItReads(t *testing.T) {
	p := templates.Site{Accent: "#9b2c1f"}.Palette()
	if p.Accent != "#9b2c1f" || p.Button != "#9b2c1f" || p.Text != "#9b2c1f" || p.OnAccent != "#ffffff" {
		t.Fatalf("default accent changed: %+v", p)
	}
}

func TestPaletteRefusesWhatIsNotAColour(t *testing.T) {
	for _, bad := range []string{"", "red", "#12", "#12345g", "#9b2c1f;}body{display:none", "expression(alert(1))"} {
		if templates.ValidAccent(bad) {
			t.Errorf("%q accepted as an accent", bad)
		}
		if p := (templates.Site{Accent: bad}).Palette(); p.Accent != templates.DefaultAccent {
			t.Errorf("%q: palette accent %s, want the default", bad, p.Accent)
		}
	}
	if !templates.ValidAccent("#0A7") || !templates.ValidAccent("#14325c") {
		t.Error("hex colours refused")
	}
}

func TestLogoTakesOnlyImageURLs(t *testing.T) {
	cases := map[string]string{
		"https://news.example.org/logo.png":  "https://news.example.org/logo.png",
		"/static/logo.svg":                   "/static/logo.svg",
		"data:image/png;base64,iVBORw0KGgo=": "data:image/png;base64,iVBORw0KGgo=",
		"javascript:alert(1)":                "",
		"data:text/html,<script>":            "",
		"//evil.example.com/x.png":           "",
		"":                                   "",
	}
	for in, want := range cases {
		if got := (templates.Site{LogoURL: in}).Logo(); string(got) != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
