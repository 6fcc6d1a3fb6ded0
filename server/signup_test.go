package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
	"github.com/caravan-news/caravan/templates"
)

// signupEnv is a real server on a real SQLite file, for the public pages.
type signupEnv struct {
	srv   *httptest.Server
	store *store.Store
	links *store.Signer
}

func newSignupEnv(t testing.TB, cfg server.Config) *signupEnv {
	t.Helper()
	st := storetest.Open(t)
	tpl, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	links := store.NewSigner("test-secret", time.Now)
	cfg.Site = templates.Site{Name: "Asie centrale", BaseURL: "http://localhost:8080", From: "Newsletter"}
	e, err := server.New(cfg, server.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Store: st, Pages: tpl, Links: links,
		Admin: tokenKey("admin-token")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &signupEnv{srv: srv, store: st, links: links}
}

// tokenKey is an admin key that accepts one token.
type tokenKey string

func (k tokenKey) Check(token string) bool { return token == string(k) }

var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (env *signupEnv) post(t *testing.T, form url.Values, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/subscribe", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (env *signupEnv) count(t *testing.T) int {
	t.Helper()
	n, err := env.store.QueuedMail(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignupRejectsBadInputAndStoresNothing(t *testing.T) {
	env := newSignupEnv(t, server.Config{})
	long := strings.Repeat("a", 65) + "@example.org"
	cases := []struct {
		name, email, lang, want string
		extra                   url.Values
	}{
		{"empty", "", "fr", "Indiquez votre adresse e-mail.", nil},
		{"no at", "reader.example.org", "fr", "Il manque le @", nil},
		{"two addresses", "a@example.org, b@example.org", "fr", "une seule adresse", nil},
		{"display name", "Ana <ana@example.org>", "en", "without a name", nil},
		{"line break", "ana@example.org\r\nBcc: x@example.org", "fr", "ni espace ni retour", nil},
		{"local part too long", long, "fr", "trop longue", nil},
		{"bad domain", "ana@exa mple", "en", "spaces or line breaks", nil},
		{"domain without dot", "ana@localhost", "en", "domain name", nil},
		{"unknown country", "ana@example.org", "fr", "Choisissez des pays", url.Values{"countries": {"fr"}}},
		{"bad frequency", "ana@example.org", "en", "every day or every week", url.Values{"frequency": {"hourly"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := url.Values{"email": {c.email}, "lang": {c.lang}}
			for k, v := range c.extra {
				form[k] = v
			}
			resp, body := env.post(t, form, nil)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
				t.Fatalf("status %d, want message %q in:\n%s", resp.StatusCode, c.want, body)
			}
			if !strings.Contains(body, `aria-describedby="caravan-`) {
				t.Fatal("error not linked to its field")
			}
		})
	}
	if n := env.count(t); n != 0 {
		t.Fatalf("%d mails queued after bad input", n)
	}
}

func TestSignupJSON(t *testing.T) {
	env := newSignupEnv(t, server.Config{})
	do := func(body string) (int, map[string]map[string]string) {
		req, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/subscribe", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]map[string]string
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if code, out := do(`{"email":"bad","lang":"en"}`); code != 422 || out["error"]["field"] != "email" {
		t.Fatalf("bad email: %d %v", code, out)
	}
	if code, _ := do(`{"email":`); code != 400 {
		t.Fatalf("broken JSON: %d", code)
	}
	if code, _ := do(`{"email":"ana@example.org","countries":["kz","tm"],"frequency":"weekly"}`); code != http.StatusAccepted {
		t.Fatalf("good: %d", code)
	}
	sub, err := env.store.SubscriberByEmail(context.Background(), "ana@example.org")
	if err != nil || sub.Frequency != "weekly" || strings.Join(sub.Countries, ",") != "kz,tm" {
		t.Fatalf("stored: %+v %v", sub, err)
	}
}

func TestSignupAnswersTheSameWhateverTheAddress(t *testing.T) {
	env := newSignupEnv(t, server.Config{})
	form := url.Values{"email": {"same@example.org"}}
	first, _ := env.post(t, form, nil)
	sub, _ := env.store.SubscriberByEmail(context.Background(), "same@example.org")
	env.store.Confirm(context.Background(), sub.ID)
	second, _ := env.post(t, form, nil)
	if first.StatusCode != second.StatusCode || first.Header.Get("Location") != second.Header.Get("Location") {
		t.Fatalf("answers differ: %d %s / %d %s", first.StatusCode, first.Header.Get("Location"), second.StatusCode, second.Header.Get("Location"))
	}
}

func TestHoneypotStoresNothing(t *testing.T) {
	env := newSignupEnv(t, server.Config{})
	resp, _ := env.post(t, url.Values{"email": {"bot@example.org"}, "website": {"http://spam"}}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := env.store.SubscriberByEmail(context.Background(), "bot@example.org"); err == nil {
		t.Fatal("honeypot signup stored")
	}
}

func TestCrossSiteFormIsRefusedUnlessAllowed(t *testing.T) {
	env := newSignupEnv(t, server.Config{AllowedOrigins: []string{"https://news.example.org"}})
	form := url.Values{"email": {"x@example.org"}, "return_to": {"https://news.example.org/article-1"}}
	resp, _ := env.post(t, form, map[string]string{"Origin": "https://evil.example.com", "Sec-Fetch-Site": "cross-site"})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign site: %d", resp.StatusCode)
	}
	resp, _ = env.post(t, form, map[string]string{"Origin": "https://news.example.org", "Sec-Fetch-Site": "cross-site"})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "https://news.example.org/article-1?caravan=pending") {
		t.Fatalf("allowed site: %d %s", resp.StatusCode, loc)
	}
	// A return_to on another site is ignored: no open redirect.
	form.Set("return_to", "https://evil.example.com/")
	resp, _ = env.post(t, form, nil)
	if loc := resp.Header.Get("Location"); loc != "/thanks?lang=fr" {
		t.Fatalf("open redirect to %s", loc)
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	env := newSignupEnv(t, server.Config{RateLimit: 5})
	var last *http.Response
	for i := range 6 {
		last, _ = env.post(t, url.Values{"email": {"r" + string(rune('a'+i)) + "@example.org"}}, nil)
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("6th request: %d retry-after %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
}

func TestPagesCarrySecurityHeaders(t *testing.T) {
	env := newSignupEnv(t, server.Config{})
	for _, path := range []string{"/", "/?lang=en", "/embed?country=kg", "/thanks", "/privacy", "/confirm/garbage", "/manage"} {
		resp, err := http.Get(env.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
		if resp.StatusCode >= 500 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
}

func TestConfirmLinks(t *testing.T) {
	env := newSignupEnv(t, server.Config{})
	res, err := env.store.Subscribe(context.Background(), store.Signup{Email: "c@example.org", Frequency: "daily", Locale: "en",
		Consent: store.Consent{Method: "form"}})
	if err != nil {
		t.Fatal(err)
	}
	good := env.links.Make(store.PurposeConfirm, res.SubscriberID, time.Hour)
	expired := env.links.Make(store.PurposeConfirm, res.SubscriberID, -time.Hour)
	wrongPurpose := env.links.Make(store.PurposeUnsubscribe, res.SubscriberID, 0)
	cases := []struct {
		name, method, token string
		status              int
	}{
		{"GET shows a button and changes nothing", "GET", good, 200},
		{"tampered", "POST", tamper(good), 400},
		{"truncated", "GET", good[:10], 400},
		{"wrong purpose", "POST", wrongPurpose, 400},
		{"expired offers a new mail", "GET", expired, 410},
		{"POST confirms", "POST", good, 200},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, env.srv.URL+"/confirm/"+c.token, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.status)
		}
		sub, _ := env.store.Subscriber(context.Background(), res.SubscriberID)
		if want := c.name == "POST confirms"; (sub.Status == store.StatusActive) != want {
			t.Errorf("%s: status %s", c.name, sub.Status)
		}
	}
}

// tamper changes the last character of a link token: always to another one,
// or one token in 64 would come out unchanged and the test fail by chance.
func tamper(token string) string {
	if strings.HasSuffix(token, "A") {
		return token[:len(token)-1] + "B"
	}
	return token[:len(token)-1] + "A"
}

// The language link of the signup page keeps the reader's countries and the
// article to return to.
func TestLanguageLinkKeepsChoices(t *testing.T) {
	env := newSignupEnv(t, server.Config{AllowedOrigins: []string{"https://news.example.org"}})
	resp, err := http.Get(env.srv.URL + "/?lang=fr&country=kg&country=uz&return_to=https://news.example.org/a-1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := `href="/?country=kg&amp;country=uz&amp;lang=en&amp;return_to=https%3A%2F%2Fnews.example.org%2Fa-1"`
	if !strings.Contains(string(body), want) {
		t.Fatalf("no %s in:\n%s", want, body)
	}
	if !strings.Contains(string(body), `name="return_to" value="https://news.example.org/a-1"`) {
		t.Fatal("return_to not carried by the form")
	}
}
