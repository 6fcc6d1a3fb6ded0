package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// spliceID returns token with the subscriber id it names replaced by id, the
// signature left as it was: what someone tries to reach another person's
// preferences or unsubscribe them with their own link.
func spliceID(t *testing.T, token string, id int64) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	_, n := binary.Uvarint(raw[1:])
	out := append([]byte{raw[0]}, binary.AppendUvarint(nil, uint64(id))...)
	out = append(out, raw[1+n:]...)
	return base64.RawURLEncoding.EncodeToString(out)
}

// TestBadLinksChangeNothing tries every signed-link route with tokens that
// must not work: tampered, truncated, made for another purpose, under another
// key, expired, another subscriber's id spliced into a genuine link, and junk.
// Each gets a 4xx page, and neither the subscriber nor the one whose id was
// spliced in changes.
func TestBadLinksChangeNothing(t *testing.T) {
	env := newLeaveEnv(t)
	ctx := context.Background()
	ana := env.active(t, "ana@example.org")
	res, err := env.store.Subscribe(ctx, store.Signup{Email: "pending@example.org", Frequency: "daily", Locale: "en",
		Consent: store.Consent{Method: "form"}})
	if err != nil {
		t.Fatal(err)
	}
	pending := res.SubscriberID
	left := env.active(t, "left@example.org")
	if _, _, err := env.store.Unsubscribe(ctx, left.ID, store.ChannelLink); err != nil {
		t.Fatal(err)
	}
	other := store.NewSigner("another secret", env.clock.Now)
	run, _, err := env.store.StartRun(ctx, "daily", env.clock.Now(), "test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	routes := []struct {
		method, prefix, suffix string
		purpose                store.Purpose
		victim                 int64 // whom a genuine token of this purpose would change
	}{
		{"GET", "/view/", "", store.PurposeView, ana.ID},
		{"GET", "/confirm/", "", store.PurposeConfirm, pending},
		{"POST", "/confirm/", "", store.PurposeConfirm, pending},
		{"GET", "/unsubscribe/", "", store.PurposeUnsubscribe, ana.ID},
		{"POST", "/unsubscribe/", "", store.PurposeUnsubscribe, ana.ID},
		{"GET", "/preferences/", "", store.PurposePreferences, ana.ID},
		{"POST", "/preferences/", "", store.PurposePreferences, ana.ID},
		{"POST", "/preferences/", "/resubscribe", store.PurposePreferences, left.ID},
	}
	before := map[int64]store.Subscriber{}
	for _, id := range []int64{ana.ID, pending, left.ID} {
		before[id] = env.status(t, id)
	}
	// makeToken makes a genuine token of purpose for id (a view token names ana's digest of run).
	makeToken := func(signer *store.Signer, purpose store.Purpose, id int64, ttl time.Duration) string {
		if purpose == store.PurposeView {
			if ttl == 0 { // view links always expire
				ttl = time.Hour
			}
			return signer.MakeView(store.ViewRef{SubscriberID: id, RunID: run.ID, From: ana.DigestFrom(), Locale: "en"}, ttl)
		}
		return signer.Make(purpose, id, ttl)
	}
	for _, r := range routes {
		good := makeToken(env.links, r.purpose, r.victim, 0)
		wrongPurpose := store.PurposeConfirm
		if r.purpose == store.PurposeConfirm {
			wrongPurpose = store.PurposePreferences
		}
		// Another subscriber's genuine token with the victim's id spliced in.
		var someoneElse int64 = ana.ID
		if r.victim == ana.ID {
			someoneElse = left.ID
		}
		tokens := map[string]string{
			"tampered":      good[:len(good)-3] + string("ABC"[len(good)%3]) + good[len(good)-2:],
			"truncated":     good[:len(good)-4],
			"extended":      good + "A",
			"other purpose": makeToken(env.links, wrongPurpose, r.victim, 0),
			"other key":     makeToken(other, r.purpose, r.victim, 0),
			"expired":       makeToken(env.links, r.purpose, r.victim, -time.Minute),
			"spliced id":    spliceID(t, makeToken(env.links, r.purpose, someoneElse, 0), r.victim),
			"junk":          "%00%0d%0aSet-Cookie:x=1",
			"overlong":      strings.Repeat("A", 5000),
		}
		for name, token := range tokens {
			body := url.Values{"frequency": {"weekly"}, "lang": {"fr"}, "countries": {"kg"},
				"List-Unsubscribe": {"One-Click"}}.Encode()
			resp, page := env.do(t, r.method, r.prefix+token+r.suffix, "application/x-www-form-urlencoded",
				strings.NewReader(body), nil)
			expiredConfirm := name == "expired" && r.purpose == store.PurposeConfirm
			switch {
			case expiredConfirm && resp.StatusCode == http.StatusGone: // offers a new mail, changes nothing
			case resp.StatusCode < 400 || resp.StatusCode >= 500:
				t.Errorf("%s %s%s, %s: %d", r.method, r.prefix, r.suffix, name, resp.StatusCode)
			}
			if resp.Header.Get("Set-Cookie") != "" || strings.Contains(page, "ana@example.org") {
				t.Errorf("%s %s, %s: leaks or sets something", r.method, r.prefix, name)
			}
		}
	}
	for id, was := range before {
		now := env.status(t, id)
		if now.Status != was.Status || now.Frequency != was.Frequency || now.Locale != was.Locale ||
			strings.Join(now.Countries, ",") != strings.Join(was.Countries, ",") {
			t.Errorf("subscriber %d changed: %+v → %+v", id, was, now)
		}
	}
}

// TestBodyLimits posts 10 MB to every public POST route, announced and
// chunked: each answers 413 and stores nothing. The admin API has its own,
// larger limit.
func TestBodyLimits(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "limit@example.org")
	heads := map[string]string{"application/x-www-form-urlencoded": "email=big%40example.org&countries=kg&junk=",
		"application/json": `{"email":"big@example.org","countries":["kg"],"source":"`}
	big := func(ct string) io.Reader {
		return io.MultiReader(strings.NewReader(heads[ct]), bytes.NewReader(bytes.Repeat([]byte("a"), 10<<20)))
	}
	// A body sent without its length is measured as it is read: the routes that
	// read a form are tried that way too. The confirm and unsubscribe buttons
	// read none that matters: the signed link is the whole request.
	paths := map[string]bool{"/subscribe": true, "/manage": true, "/preferences/" + env.links.Make(store.PurposePreferences, sub.ID, 0): true,
		"/confirm/" + env.links.Make(store.PurposeConfirm, sub.ID, time.Hour): false,
		"/unsubscribe/" + env.links.Make(store.PurposeUnsubscribe, sub.ID, 0): false}
	for path, readsForm := range paths {
		for _, chunked := range []bool{false, true} {
			if chunked && !readsForm {
				continue
			}
			for _, ct := range []string{"application/x-www-form-urlencoded", "application/json"} {
				req, _ := http.NewRequest("POST", env.srv.URL+path, big(ct))
				req.Header.Set("Content-Type", ct)
				if !chunked {
					req.ContentLength = int64(len(heads[ct])) + 10<<20
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestEntityTooLarge {
					t.Errorf("POST %s, %s, chunked %v: %d, want 413", path, ct, chunked, resp.StatusCode)
				}
			}
		}
	}
	if _, err := env.store.SubscriberByEmail(context.Background(), "big@example.org"); err == nil {
		t.Error("a 10 MB signup was stored")
	}
	if got := env.status(t, sub.ID); got.Status != store.StatusActive || got.Frequency != "daily" {
		t.Errorf("changed by an oversized body: %+v", got)
	}
	// The admin API: 2 MB of articles is refused, before any is stored.
	articles := `[{"url":"https://news.example/a","title":"` + strings.Repeat("a", 2<<20) + `"}]`
	resp, _ := env.admin(t, "POST", "/api/admin/articles", articles)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MB of articles: %d", resp.StatusCode)
	}
}

// TestEveryPageCarriesSecurityHeaders requests every GET route the router
// lists, and the error pages, with and without sites allowed to embed the
// form: each answer forbids scripts, sniffing and framing by other sites, and
// keeps the path (which holds link tokens) out of the Referer.
func TestEveryPageCarriesSecurityHeaders(t *testing.T) {
	for _, allowed := range [][]string{nil, {"https://news.example.org"}} {
		env := newHeadersEnv(t, allowed)
		sub := env.active(t, "headers@example.org")
		params := strings.NewReplacer(":token", env.links.Make(store.PurposePreferences, sub.ID, 0),
			":email", "headers%40example.org", "*", "style.css")
		var paths []string
		for _, r := range env.echo.Routes() {
			if r.Method == http.MethodGet {
				p := params.Replace(r.Path)
				if strings.HasPrefix(p, "/unsubscribe/") {
					p = "/unsubscribe/" + env.links.Make(store.PurposeUnsubscribe, sub.ID, 0)
				}
				if strings.HasPrefix(p, "/confirm/") {
					p = "/confirm/" + env.links.Make(store.PurposeConfirm, sub.ID, time.Hour)
				}
				paths = append(paths, p)
			}
		}
		paths = append(paths, "/no-such-page", "/confirm/bad-token", "/?lang=en", "/embed?country=kg")
		ancestors := "frame-ancestors 'self'"
		for _, o := range allowed {
			ancestors += " " + o
		}
		for _, path := range paths {
			resp, _ := env.do(t, "GET", path, "", nil, nil)
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			if strings.HasPrefix(path, "/admin") {
				// The editors' desk is never framed, and runs only its own script, by nonce.
				if !strings.Contains(csp, "default-src 'none'") || !strings.HasSuffix(csp, "frame-ancestors 'none'") ||
					!regexp.MustCompile(`script-src 'nonce-[A-Z0-9]{20,}';`).MatchString(csp) || !strings.Contains(csp, "base-uri 'none'") {
					t.Errorf("GET %s: CSP %q", path, csp)
				}
			} else if !strings.Contains(csp, "default-src 'none'") || !strings.HasSuffix(csp, ancestors) ||
				strings.Contains(csp, "script-src") || !strings.Contains(csp, "base-uri 'none'") {
				t.Errorf("GET %s: CSP %q", path, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: X-Content-Type-Options %q", path, h.Get("X-Content-Type-Options"))
			}
			switch h.Get("Referrer-Policy") {
			case "strict-origin-when-cross-origin", "strict-origin", "same-origin", "no-referrer":
			default:
				t.Errorf("GET %s: Referrer-Policy %q", path, h.Get("Referrer-Policy"))
			}
			if resp.StatusCode >= 500 {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
			}
		}
	}
}

// newHeadersEnv is the leave environment's server with sites allowed to embed the form.
func newHeadersEnv(t *testing.T, allowed []string) *leaveEnv {
	t.Helper()
	if allowed == nil {
		return newLeaveEnv(t)
	}
	env := newLeaveEnv(t)
	tpl, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	e, err := server.New(server.Config{Site: templates.Site{Name: "Asie centrale", BaseURL: "http://localhost:8080"},
		AllowedOrigins: allowed, RateLimit: 1000},
		server.Deps{Log: log, Store: env.store, Pages: tpl, Links: env.links, Admin: testKey(adminToken),
			Metrics: server.NewMetrics(env.store, log)})
	if err != nil {
		t.Fatal(err)
	}
	env.echo = e
	env.srv = httptest.NewServer(e)
	t.Cleanup(env.srv.Close)
	return env
}

// TestSignupPageEscapesWhatItEchoes posts markup in every field of the
// hosted form: the page that shows the form again with its errors prints it as
// text, never as markup.
func TestSignupPageEscapesWhatItEchoes(t *testing.T) {
	env := newSignupEnv(t, server.Config{})
	xss := `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	form := url.Values{"email": {xss + "@example.org"}, "countries": {xss}, "frequency": {xss}, "lang": {xss},
		"return_to": {"javascript:alert(3)"}}
	resp, body := env.post(t, form, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)") {
		t.Errorf("the address is not shown back, escaped:\n%s", body)
	}
	checkNoActiveMarkup(t, "signup page", body)
	if n := env.count(t); n != 0 {
		t.Errorf("%d mails queued", n)
	}
}

// checkNoActiveMarkup parses page as a browser would and fails on anything
// that could run: script-like elements, on* attributes, javascript: URLs.
func checkNoActiveMarkup(t *testing.T, what, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.DataAtom {
			case atom.Script, atom.Iframe, atom.Object, atom.Embed, atom.Frame, atom.Frameset, atom.Svg, atom.Math:
				t.Errorf("%s: <%s> element", what, tok.Data)
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") ||
					strings.HasPrefix(v, "data:text/html") {
					t.Errorf("%s: <%s %s=%q>", what, tok.Data, a.Key, a.Val)
				}
			}
		}
	}
}
