package templates_test

import (
	"strings"
	"testing"

	"github.com/caravan-news/caravan/templates"
)

func TestScheduleInWords(t *testing.T) {
	cases := []struct {
		name, frequency, spec, fr, en string
	}{
		{"every day", "daily", "0 7 * * *", "Chaque jour vers 7\u00a0h", "Every day at about 7\u00a0am"},
		{"evening with minutes", "daily", "30 18 * * *", "Chaque jour vers 18\u00a0h\u00a030", "Every day at about 6:30\u00a0pm"},
		{"weekdays", "daily", "0 6 * * 1-5", "Du lundi au vendredi vers 6\u00a0h", "Monday to Friday at about 6\u00a0am"},
		{"two days", "daily", "0 7 * * mon,thu", "le lundi et le jeudi vers 7\u00a0h", "on Monday and on Thursday at about 7\u00a0am"},
		{"friday", "weekly", "0 7 * * 5", "Chaque semaine, le vendredi vers 7\u00a0h", "Every week, on Friday at about 7\u00a0am"},
		{"sunday as 7", "weekly", "0 12 * * 7", "Chaque semaine, le dimanche vers 12\u00a0h", "Every week, on Sunday at about 12\u00a0pm"},
		{"midnight", "weekly", "@weekly", "Chaque semaine, le dimanche vers 0\u00a0h", "Every week, on Sunday at about 12\u00a0am"},
		{"unusual spec", "daily", "*/15 * * * *", "Chaque jour", "Every day"},
		{"day of month", "weekly", "0 7 1 * *", "Chaque semaine", "Every week"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := templates.Schedule("fr", tc.frequency, tc.spec); !strings.EqualFold(got, tc.fr) {
				t.Errorf("fr: %q, want %q", got, tc.fr)
			}
			if got := templates.Schedule("en", tc.frequency, tc.spec); !strings.EqualFold(got, tc.en) {
				t.Errorf("en: %q, want %q", got, tc.en)
			}
		})
	}
}

// TestReconsentMailNamesTheSite: the re-consent mail says whose newsletter it is, and shows the logo.
func TestReconsentMailNamesTheSite(t *testing.T) {
	set, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	text, html, err := set.Mail("reconsent", templates.ReconsentMail{Locale: "fr", SiteName: "Novastan", Accent: "#9b2c1f",
		Logo: "https://www.novastan.example/logo.png", PreferencesURL: "https://x/p", UnsubscribeURL: "https://x/u", Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "«\u00a0Novastan\u00a0»") || strings.Contains(text, "Asie centrale") ||
		!strings.Contains(html, `<img src="https://www.novastan.example/logo.png"`) {
		t.Fatalf("reconsent mail:\n%s\n%s", text, html)
	}
	if got := templates.MailLogo("/static/logo.png", "https://news.example.org"); got != "https://news.example.org/static/logo.png" {
		t.Errorf("MailLogo of a path = %q", got)
	}
	if got := templates.MailLogo("data:image/png;base64,xx", "https://news.example.org"); got != "" {
		t.Errorf("MailLogo of a data: image = %q", got)
	}
}
