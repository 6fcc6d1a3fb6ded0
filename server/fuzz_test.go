package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
)

// FuzzSignupForm posts arbitrary forms and JSON bodies: the server never answers
// 5xx, and whatever it accepts is stored in normalized form.
func FuzzSignupForm(f *testing.F) {
	f.Add("ana@example.org", "kg", "daily", "fr", false)
	f.Add("a@b", "xx", "hourly", "de", true)
	f.Add("\"><script>@x.org", "kz,uz", "", "", false)
	f.Add("{\"email\":1}", "", "weekly", "en", true)
	env := newSignupEnv(f, server.Config{})
	f.Fuzz(func(t *testing.T, email, countries, frequency, lang string, asJSON bool) {
		var req *http.Request
		if asJSON {
			body := `{"email":` + quote(email) + `,"countries":[` + quote(countries) + `],"frequency":` + quote(frequency) + `,"lang":` + quote(lang) + `}`
			req, _ = http.NewRequest(http.MethodPost, env.srv.URL+"/subscribe", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		} else {
			form := url.Values{"email": {email}, "countries": {countries}, "frequency": {frequency}, "lang": {lang}}
			req, _ = http.NewRequest(http.MethodPost, env.srv.URL+"/subscribe", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("status %d for %q %q %q %q", resp.StatusCode, email, countries, frequency, lang)
		}
		if resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusAccepted {
			norm, err := store.NormalizeEmail(email)
			if err != nil {
				t.Fatalf("accepted an address that does not normalize: %q", email)
			}
			if _, err := env.store.SubscriberByEmail(context.Background(), norm); err != nil {
				t.Fatalf("accepted %q but stored nothing: %v", email, err)
			}
		}
	})
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
