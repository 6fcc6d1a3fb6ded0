package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestPreferencesPageAndSave(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "prefs@example.org")
	path := "/preferences/" + env.links.Make(store.PurposePreferences, sub.ID, 0)
	resp, body := env.do(t, "GET", path, "", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `value="daily" checked`) || !strings.Contains(body, `value="en" checked`) {
		t.Fatalf("page: %d %s", resp.StatusCode, body)
	}
	env.clock.Add(time.Hour)
	form := url.Values{"countries": {"kg", "tj"}, "frequency": {"weekly"}, "lang": {"fr"}}
	resp, _ = env.do(t, "POST", path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()),
		map[string]string{"Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path+"?saved=1" {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	got := env.status(t, sub.ID)
	if got.Frequency != "weekly" || got.Locale != "fr" || strings.Join(got.Countries, ",") != "kg,tj" ||
		!got.LastActivityAt.Equal(env.clock.Now()) {
		t.Fatalf("saved: %+v", got)
	}
	if _, body := env.do(t, "GET", path+"?saved=1", "", nil, nil); !strings.Contains(body, "Vos préférences sont enregistrées") {
		t.Fatalf("no saved notice, in the new language: %s", body)
	}
}

func TestPreferencesBadInputIs422WithFieldMessages(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "careful@example.org")
	path := "/preferences/" + env.links.Make(store.PurposePreferences, sub.ID, 0)
	tests := []struct {
		name  string
		form  url.Values
		field string
	}{
		{"unknown country", url.Values{"countries": {"fr"}, "frequency": {"daily"}, "lang": {"en"}}, "prefs-countries-error"},
		{"unknown frequency", url.Values{"frequency": {"hourly"}, "lang": {"en"}}, "prefs-frequency-error"},
		{"no frequency", url.Values{"lang": {"en"}}, "prefs-frequency-error"},
		{"unknown language", url.Values{"frequency": {"daily"}, "lang": {"de"}}, "prefs-lang-error"},
	}
	for _, tt := range tests {
		resp, body := env.do(t, "POST", path, "application/x-www-form-urlencoded", strings.NewReader(tt.form.Encode()), nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+tt.field+`"`) {
			t.Errorf("%s: %d", tt.name, resp.StatusCode)
		}
	}
	if got := env.status(t, sub.ID); got.Frequency != "daily" || got.Locale != "en" || len(got.Countries) != 0 {
		t.Fatalf("changed by bad input: %+v", got)
	}
}

func TestPreferencesFormRefusesCrossSitePosts(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "csrf@example.org")
	path := "/preferences/" + env.links.Make(store.PurposePreferences, sub.ID, 0)
	form := url.Values{"frequency": {"weekly"}, "lang": {"en"}}
	resp, _ := env.do(t, "POST", path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()),
		map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden || env.status(t, sub.ID).Frequency != "daily" {
		t.Fatalf("cross-site post: %d", resp.StatusCode)
	}
}

func TestBadPreferencesLinks(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "links@example.org")
	good := env.links.Make(store.PurposePreferences, sub.ID, 0)
	for name, c := range map[string]struct {
		path   string
		status int
	}{
		"tampered":      {"/preferences/" + tamper(good), 400},
		"other purpose": {"/preferences/" + env.links.Make(store.PurposeUnsubscribe, sub.ID, 0), 400},
		"no one":        {"/preferences/" + env.links.Make(store.PurposePreferences, 9999, 0), 404},
	} {
		if resp, _ := env.do(t, "GET", c.path, "", nil, nil); resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", name, resp.StatusCode, c.status)
		}
	}
}

func TestResubscribeAfterUnsubscribing(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "back@example.org")
	unsub := "/unsubscribe/" + env.links.Make(store.PurposeUnsubscribe, sub.ID, 0)
	_, page := env.do(t, "POST", unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"), nil)
	i := strings.Index(page, `action="/preferences/`)
	if i < 0 {
		t.Fatalf("no way back offered: %s", page)
	}
	action := page[i+len(`action="`):]
	action = action[:strings.IndexByte(action, '"')]
	resp, _ := env.do(t, "POST", action, "application/x-www-form-urlencoded", nil, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if got := env.status(t, sub.ID); resp.StatusCode != 200 || got.Status != store.StatusActive || got.Consent.Method != "resubscribe" {
		t.Fatalf("%d %+v", resp.StatusCode, got)
	}
	env.store.Bounce(t.Context(), "back@example.org", store.BounceHard)
	if resp, _ := env.do(t, "POST", action, "", nil, nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("bounced address came back: %d", resp.StatusCode)
	}
}
