package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestDeskReadersSearchFiltersAndPages(t *testing.T) {
	env := newDeskEnv(t)
	for i := range 60 {
		env.active(t, fmt.Sprintf("reader%02d@example.org", i)) // English readers
	}
	env.active(t, "Zoe.Martin@Example.org")
	b := env.browser(t)
	b.signIn()
	_, body := b.get("/admin/subscribers?q=MARTIN&lang=en")
	if !strings.Contains(body, "Zoe.Martin@Example.org") || strings.Contains(body, "reader01@") {
		t.Fatalf("search by a part of the address:\n%s", body)
	}
	_, body = b.get("/admin/subscribers?locale=fr&lang=en")
	if !strings.Contains(body, "No reader matches.") {
		t.Fatalf("filter by language fr found English readers")
	}
	_, body = b.get("/admin/subscribers?status=active&locale=en&lang=en")
	if strings.Count(body, `<th scope="row" class="addr">`) != 50 || !strings.Contains(body, `rel="next"`) {
		t.Fatalf("first page: %d rows", strings.Count(body, `<th scope="row" class="addr">`))
	}
	m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no link to the next page")
	}
	next := html.UnescapeString(m[1])
	_, body = b.get(next)
	if strings.Count(body, `<th scope="row" class="addr">`) != 11 || strings.Contains(body, `rel="next"`) {
		t.Fatalf("second page (%s): %d rows", next, strings.Count(body, `<th scope="row" class="addr">`))
	}
	if resp, _ := b.get("/admin/subscribers?status=gone"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a bad filter: %d", resp.StatusCode)
	}
}

func TestDeskReaderActionsAreDoneAndAudited(t *testing.T) {
	env := newDeskEnv(t)
	ctx := context.Background()
	ana := env.active(t, "ana@example.org")
	res, _ := env.store.Subscribe(ctx, store.Signup{Email: "pending@example.org", Frequency: "daily", Locale: "fr",
		Consent: store.Consent{Method: "form", Source: "https://news.example.org/a-1", IP: "203.0.113.0/24"}})
	b := env.browser(t)
	b.signIn()
	page := fmt.Sprintf("/admin/subscribers/%d", ana.ID)
	_, body := b.get(page + "?lang=en")
	for _, want := range []string{"ana@example.org", "Unsubscribe", "Erase their data", "Consent", "No digest yet."} {
		if !strings.Contains(body, want) {
			t.Errorf("reader page lacks %q", want)
		}
	}
	// Change choices on the reader's behalf.
	resp, _ := b.post(page+"/choices", url.Values{"countries": {"kg", "tj"}, "frequency": {"weekly"}, "locale": {"fr"}, "lang": {"en"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("choices: %d", resp.StatusCode)
	}
	if s := env.status(t, ana.ID); s.Frequency != "weekly" || strings.Join(s.Countries, ",") != "kg,tj" || s.Locale != "fr" {
		t.Fatalf("choices stored: %+v", s)
	}
	if resp, _ := b.post(page+"/choices", url.Values{"frequency": {"hourly"}, "locale": {"fr"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad choices: %d", resp.StatusCode)
	}
	// Unsubscribe.
	if resp, _ := b.post(page+"/unsubscribe", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unsubscribe: %d", resp.StatusCode)
	}
	if s := env.status(t, ana.ID); s.Status != store.StatusUnsubscribed || s.UnsubscribeChannel != store.ChannelAdmin {
		t.Fatalf("after unsubscribe: %s %s", s.Status, s.UnsubscribeChannel)
	}
	_, body = b.get(page + "?lang=en&done=desk.done.unsubscribed")
	for _, want := range []string{"The reader is unsubscribed.", "choices changed for the reader", "Consent history",
		"<th scope=\"row\">preferences</th><td>admin</td><td class=\"addr\">editors&#39; desk: editor@example.org</td>", "all daily en → kg,tj weekly fr",
		"editor@example.org"} {
		if !strings.Contains(body, want) {
			t.Errorf("reader page after the actions lacks %q", want)
		}
	}
	// Resend a pending reader's confirmation.
	if resp, _ := b.post(fmt.Sprintf("/admin/subscribers/%d/resend", res.SubscriberID), url.Values{}); resp.StatusCode != http.StatusSeeOther ||
		!strings.Contains(resp.Header.Get("Location"), "desk.done.resent") {
		t.Fatalf("resend: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Erase: a wrong address erases nothing; the right one erases, keeping the audit lines hashed.
	if resp, _ := b.post(page+"/erase", url.Values{"confirm": {"someone@example.org"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("erase with a wrong address: %d", resp.StatusCode)
	}
	env.status(t, ana.ID)
	if resp, _ := b.post(page+"/erase", url.Values{"confirm": {" ANA@example.org "}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("erase: %d", resp.StatusCode)
	}
	if _, err := env.store.Subscriber(ctx, ana.ID); err == nil {
		t.Fatal("the reader is still there")
	}
	_, body = b.get("/admin/audit?lang=en")
	if strings.Contains(body, "ana@example.org") || strings.Count(body, "erased:") != 3 {
		t.Fatalf("audit log after erasure:\n%s", body)
	}
	if resp, _ := b.get(page); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("erased reader's page: %d", resp.StatusCode)
	}
}
