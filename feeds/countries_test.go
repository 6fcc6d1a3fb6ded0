package feeds_test

import (
	"slices"
	"testing"

	"github.com/caravan-news/caravan/feeds"
)

func TestMatchCountries(t *testing.T) {
	tests := []struct {
		name       string
		categories []string
		want       []string
	}{
		{"french name", []string{"Kirghizistan"}, []string{"kg"}},
		{"english name", []string{"Kyrgyzstan"}, []string{"kg"}},
		{"other spellings", []string{"Kirghizstan", "Kirghizie", "Kyrgyz Republic"}, []string{"kg"}},
		{"accent and case ignored", []string{"OUZBÉKISTAN", "ouzbekistan", "Turkménistan"}, []string{"uz", "tm"}},
		{"accent added where there is none", []string{"Kâzakhstàn"}, []string{"kz"}},
		{"local and russian names", []string{"Qazaqstan", "O'zbekiston", "Таджикистан"}, []string{"kz", "uz", "tj"}},
		{"adjectives", []string{"Politique kirghize", "Économie ouzbèke", "Tadjik", "société turkmène", "Kazakh economy"}, []string{"kz", "kg", "uz", "tj", "tm"}},
		{"french elision", []string{"Voyage en Asie : l'Ouzbékistan"}, []string{"uz"}},
		{"slug", []string{"asie-centrale/tadjikistan"}, []string{"tj"}},
		{"ordered as store.Countries, no duplicates", []string{"Turkmenistan", "Kazakhstan", "kazakh", "Kazakstan"}, []string{"kz", "tm"}},
		{"regional news", []string{"Asie centrale"}, nil},
		{"regional news in english", []string{"Central Asia", "Politics"}, nil},
		{"whole words only", []string{"Kazakhstanaisation", "Uzbekistanization", "turkmenbashi"}, nil},
		{"nothing", nil, nil},
		{"blank", []string{"", "  ", "—"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := feeds.MatchCountries(tt.categories...); !slices.Equal(got, tt.want) {
				t.Fatalf("MatchCountries(%q) = %v, want %v", tt.categories, got, tt.want)
			}
		})
	}
}
