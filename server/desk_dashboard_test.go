package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestDeskDashboardShowsTheList(t *testing.T) {
	env := newDeskEnv(t)
	ctx := context.Background()
	for _, e := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		env.active(t, e)
	}
	if _, err := env.store.Subscribe(ctx, store.Signup{Email: "p@example.org", Frequency: "weekly", Locale: "fr",
		Consent: store.Consent{Method: "form"}}); err != nil {
		t.Fatal(err)
	}
	b := env.browser(t)
	b.signIn()
	resp, body := b.get("/admin?lang=en")
	if resp.StatusCode != 200 {
		t.Fatalf("dashboard: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`<span class="value">3</span></a><span class="label">active</span>`,
		`<span class="value">1</span></a><span class="label">awaiting confirmation</span>`,
		`<svg class="chart"`, `<polyline class="signups"`, `<polyline class="confirmations"`, `<polyline class="departures"`,
		"Over 90 days: 4 signups, 3 confirmations, 0 departures",
		`<th scope="row">English</th><td class="num">3</td>`,
		"75.00%", // confirmation rate: 3 of 4
		"Gmail and Yahoo: watch it from 0.1%, danger from 0.3%.",
		`aria-current="page">Dashboard`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
}
