package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDeskSignInSetsAStrictSessionCookieAndSignOutEndsIt(t *testing.T) {
	env := newDeskEnv(t)
	b := env.browser(t)
	b.get("/admin/login")
	resp, body := b.post("/admin/login", url.Values{"email": {"EDITOR@example.org"}, "password": {env.password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin?lang=fr" {
		t.Fatalf("sign in: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	var set *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "caravan_desk" {
			set = c
		}
	}
	if set == nil || !set.HttpOnly || set.SameSite != http.SameSiteStrictMode || set.Secure || set.Path != "/admin" ||
		set.MaxAge <= 0 || len(set.Value) < 40 {
		t.Fatalf("session cookie %+v", set)
	}
	if resp, body := b.get("/admin/audit"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "editor@example.org") {
		t.Fatalf("audit page after sign-in: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.post("/admin/logout", url.Values{})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login") {
		t.Fatalf("sign out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The old cookie, replayed, is dead: the session ended on the server.
	b.setCookie("caravan_desk", set.Value)
	if resp, _ := b.get("/admin/audit"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the signed-out session still opens the desk: %d", resp.StatusCode)
	}
}

func TestDeskSessionCookieIsSecureOnHTTPS(t *testing.T) {
	env := newDeskEnvWith(t, "https://news.example.org")
	b := env.browser(t)
	b.get("/admin/login")
	resp, _ := b.post("/admin/login", url.Values{"email": {env.email}, "password": {env.password}})
	for _, c := range resp.Cookies() {
		if c.Name == "caravan_desk" && c.Secure && c.HttpOnly && c.SameSite == http.SameSiteStrictMode {
			return
		}
	}
	t.Fatalf("no Secure session cookie: %v", resp.Header["Set-Cookie"])
}

// A session id planted before sign-in (session fixation) is never the one
// signed in: sign-in always starts a new session and ends the one presented.
func TestDeskSignInChangesTheSessionID(t *testing.T) {
	env := newDeskEnv(t)
	victim := env.browser(t)
	victim.signIn()
	first := victim.cookie("caravan_desk").Value
	victim.signIn()
	second := victim.cookie("caravan_desk").Value
	if first == second {
		t.Fatal("signing in again kept the session id")
	}
	attacker := env.browser(t)
	attacker.setCookie("caravan_desk", first)
	if resp, _ := attacker.get("/admin/audit"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the session id from before the sign-in still works: %d", resp.StatusCode)
	}
	planted := env.browser(t)
	planted.setCookie("caravan_desk", "planted-by-an-attacker-0123456789abcdefghij")
	planted.signIn()
	if planted.cookie("caravan_desk").Value == "planted-by-an-attacker-0123456789abcdefghij" {
		t.Fatal("sign-in adopted a planted session id")
	}
}

func TestDeskSessionExpires(t *testing.T) {
	for name, wait := range map[string]time.Duration{"idle": 2*time.Hour + time.Minute, "lifetime": 12*time.Hour + time.Minute} {
		t.Run(name, func(t *testing.T) {
			env := newDeskEnv(t)
			b := env.browser(t)
			b.signIn()
			if name == "lifetime" { // busy all along, so never idle
				for range 11 {
					env.clock.Add(time.Hour)
					if resp, _ := b.get("/admin/audit"); resp.StatusCode != http.StatusOK {
						t.Fatalf("session ended early: %d", resp.StatusCode)
					}
				}
				wait = time.Hour + time.Minute
			}
			env.clock.Add(wait)
			resp, _ := b.get("/admin/audit")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login?") {
				t.Fatalf("expired session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

func TestDeskFormsRefuseMissingTokensAndOtherOrigins(t *testing.T) {
	env := newDeskEnv(t)
	b := env.browser(t)
	b.signIn()
	good := b.csrf
	for name, tc := range map[string]struct{ token, origin string }{
		"no token":     {"", env.srv.URL},
		"wrong token":  {good + "x", env.srv.URL},
		"other origin": {good, "https://evil.example"},
	} {
		b.origin = tc.origin
		resp, _ := b.post("/admin/logout", url.Values{"csrf": {tc.token}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, resp.StatusCode)
		}
	}
	b.origin = env.srv.URL
	if resp, _ := b.get("/admin/audit"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a refused form signed the editor out: %d", resp.StatusCode)
	}
	// The sign-in form has its token too: a post without the form's cookie is refused.
	other := env.browser(t)
	resp, _ := other.post("/admin/login", url.Values{"email": {env.email}, "password": {env.password}, "csrf": {"guess"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without the form's token: %d", resp.StatusCode)
	}
}

func TestDeskSignInIsRateLimitedPerAccountAndPerClient(t *testing.T) {
	env := newDeskEnv(t)
	b := env.browser(t)
	try := func(email, password string) int {
		b.get("/admin/login")
		resp, _ := b.post("/admin/login", url.Values{"email": {email}, "password": {password}})
		return resp.StatusCode
	}
	for i := range 5 {
		if got := try(env.email, "wrong password "+string(rune('a'+i))); got != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, got)
		}
	}
	if got := try(env.email, env.password); got != http.StatusTooManyRequests {
		t.Fatalf("right password after 5 failures: %d, want 429", got)
	}
	// Other accounts from the same client go on failing normally until the client's limit.
	for i := range 15 {
		if got := try("nobody"+string(rune('a'+i))+"@example.org", "whatever password"); got != http.StatusUnauthorized {
			t.Fatalf("other account %d: %d", i, got)
		}
	}
	if got := try("someone@example.org", "whatever password"); got != http.StatusTooManyRequests {
		t.Fatalf("after 20 failures from one client: %d, want 429", got)
	}
	// The window moves on: the editor signs in again.
	env.clock.Add(16 * time.Minute)
	if got := try(env.email, env.password); got != http.StatusSeeOther {
		t.Fatalf("after the window: %d", got)
	}
}
