package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
)

func (env *signupEnv) manage(t *testing.T, form url.Values, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/manage", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestManageIsGuardedLikeSignups: /manage shares the signup rate limit, refuses
// other sites' forms, and a filled honeypot queues nothing yet looks the same.
func TestManageIsGuardedLikeSignups(t *testing.T) {
	env := newSignupEnv(t, server.Config{RateLimit: 5})
	ctx := t.Context()
	res, err := env.store.Subscribe(ctx, store.Signup{Email: "member@example.org", Frequency: "daily", Locale: "fr",
		Consent: store.Consent{Method: "form"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.Confirm(ctx, res.SubscriberID); err != nil {
		t.Fatal(err)
	}
	resp, _ := env.manage(t, url.Values{"email": {"member@example.org"}},
		map[string]string{"Origin": "https://evil.example.com", "Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site: %d", resp.StatusCode)
	}
	_, human := env.manage(t, url.Values{"email": {"stranger@example.org"}}, nil)
	resp, bot := env.manage(t, url.Values{"email": {"member@example.org"}, "website": {"http://spam"}}, nil)
	if resp.StatusCode != 200 || bot != human {
		t.Fatalf("honeypot: %d, same page %v", resp.StatusCode, bot == human)
	}
	if queued, _ := env.store.QueuedMail(ctx); queued != 2 { // the confirmation and the welcome, no link
		t.Fatalf("%d mails queued", queued)
	}
	var last *http.Response
	for range 5 {
		last, _ = env.manage(t, url.Values{"email": {"member@example.org"}}, nil)
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("6th request: %d", last.StatusCode)
	}
}
