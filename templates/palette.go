package templates

import (
	"fmt"
	htmltemplate "html/template"
	"math"
	"strconv"
	"strings"
)

// DefaultAccent is the accent of pages and mails when the site sets none, or
// one that is not a CSS hex colour.
const DefaultAccent = "#9b2c1f"

// The backgrounds the pages put text on: the light paper and card, the embed's
// tint, and the dark paper and card. The accent's text variants are checked
// against the one of each scheme where they read worst.
var (
	lightBackgrounds = []rgb{{0xff, 0xff, 0xff}, {0xfb, 0xfa, 0xf7}, {0xf7, 0xf5, 0xef}}
	darkBackgrounds  = []rgb{{0x16, 0x16, 0x15}, {0x1f, 0x1f, 0x1d}}
	white            = rgb{0xff, 0xff, 0xff}
	ink              = rgb{0x1d, 0x1d, 0x1b}
)

// MinContrast is the WCAG AA ratio for body text, which links and error
// messages are.
const MinContrast = 4.5

// Palette is the site's accent and the variants that keep text readable on it
// and next to it, whatever colour the site picked.
type Palette struct {
	Accent   htmltemplate.CSS // rules and borders: the site's colour as given
	Button   htmltemplate.CSS // button background: the accent, nudged until OnAccent reads on it
	OnAccent htmltemplate.CSS // text on buttons: white or ink, whichever reads better
	Text     htmltemplate.CSS // the accent as text on light backgrounds, darkened until it reads
	TextDark htmltemplate.CSS // the accent as text on dark backgrounds, lightened until it reads
}

// Palette derives the page colours from the site's accent. The values are
// validated colours, safe to write into a style sheet.
func (s Site) Palette() Palette {
	accent, ok := parseHex(s.Accent)
	if !ok {
		accent, _ = parseHex(DefaultAccent)
	}
	on, away := white, rgb{}
	if contrast(ink, accent) > contrast(white, accent) {
		on, away = ink, white
	}
	return Palette{
		Accent:   htmltemplate.CSS(accent.hex()),
		Button:   htmltemplate.CSS(readable(accent, away, []rgb{on}).hex()),
		OnAccent: htmltemplate.CSS(on.hex()),
		Text:     htmltemplate.CSS(readable(accent, rgb{}, lightBackgrounds).hex()),
		TextDark: htmltemplate.CSS(readable(accent, white, darkBackgrounds).hex()),
	}
}

// ValidAccent tells whether s is a colour the pages accept as accent: #rgb or #rrggbb.
func ValidAccent(s string) bool {
	_, ok := parseHex(s)
	return ok
}

// rgb is an sRGB colour, 0–255 per channel.
type rgb struct{ r, g, b float64 }

func parseHex(s string) (rgb, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "#") {
		return rgb{}, false
	}
	h := s[1:]
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return rgb{}, false
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return rgb{}, false
	}
	return rgb{float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v & 0xff)}, true
}

func (c rgb) hex() string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(c.r)), int(math.Round(c.g)), int(math.Round(c.b)))
}

// luminance is the WCAG relative luminance.
func (c rgb) luminance() float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is the WCAG contrast ratio of two colours, from 1 to 21.
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// ContrastHex is the WCAG contrast ratio of two CSS hex colours; 0 when either does not parse.
func ContrastHex(a, b string) float64 {
	ca, okA := parseHex(a)
	cb, okB := parseHex(b)
	if !okA || !okB {
		return 0
	}
	return contrast(ca, cb)
}

// readable mixes c towards target (black or white) in small steps until it
// reaches MinContrast against every background; c itself when it does already.
func readable(c, target rgb, backgrounds []rgb) rgb {
	for step := 0; step <= 20; step++ {
		f := float64(step) / 20
		m := rgb{c.r + (target.r-c.r)*f, c.g + (target.g-c.g)*f, c.b + (target.b-c.b)*f}
		m = rgb{math.Round(m.r), math.Round(m.g), math.Round(m.b)}
		ok := true
		for _, bg := range backgrounds {
			if contrast(m, bg) < MinContrast {
				ok = false
				break
			}
		}
		if ok {
			return m
		}
	}
	return target
}
