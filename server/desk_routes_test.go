package server_test

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEveryDeskRouteNeedsASession takes the desk's routes from the router, so
// that a page added later is covered too, and tries each with no session, an
// expired one, and a live one.
func TestEveryDeskRouteNeedsASession(t *testing.T) {
	env := newDeskEnv(t)
	reader := env.active(t, "reader@example.org")
	params := strings.NewReplacer(":id", "1", ":email", url.PathEscape(reader.Email))
	type route struct{ method, path string }
	var routes []route
	for _, r := range env.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/admin") || strings.HasPrefix(r.Path, "/admin/login") ||
			strings.Contains(r.Path, "*") || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		routes = append(routes, route{r.Method, params.Replace(r.Path)})
	}
	// Signing out last, so that the live session lasts through every other route.
	slices.SortStableFunc(routes, func(a, b route) int {
		return cmp.Compare(strings.Count(a.path, "/logout"), strings.Count(b.path, "/logout"))
	})
	if len(routes) < 3 {
		t.Fatalf("only %d desk routes found", len(routes))
	}
	check := func(b *browser, state string, live bool) {
		for _, r := range routes {
			var resp *http.Response
			var body string
			if r.method == http.MethodGet {
				resp, body = b.get(r.path)
			} else {
				resp, body = b.post(r.path, url.Values{})
			}
			switch {
			// A live GET shows its page; a live POST of an empty form may be refused
			// as invalid (4xx), but never for want of a session or a token.
			case live && r.method == http.MethodGet && (resp.StatusCode >= 400 || strings.HasPrefix(resp.Header.Get("Location"), "/admin/login")),
				live && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode >= 500):
				t.Errorf("%s %s, %s: %d %s", r.method, r.path, state, resp.StatusCode, body)
			case !live && r.method == http.MethodGet && (resp.StatusCode != http.StatusSeeOther ||
				!strings.HasPrefix(resp.Header.Get("Location"), "/admin/login?")):
				t.Errorf("%s %s, %s: %d %s, want a redirect to sign in", r.method, r.path, state, resp.StatusCode,
					resp.Header.Get("Location"))
			case !live && r.method != http.MethodGet && resp.StatusCode != http.StatusUnauthorized:
				t.Errorf("%s %s, %s: %d, want 401", r.method, r.path, state, resp.StatusCode)
			case !live && strings.Contains(body, reader.Email):
				t.Errorf("%s %s, %s: the answer shows a reader", r.method, r.path, state)
			}
		}
	}
	check(env.browser(t), "no session", false)
	expired := env.browser(t)
	expired.signIn()
	env.clock.Add(3 * time.Hour)
	check(expired, "expired session", false)
	live := env.browser(t)
	live.signIn()
	check(live, "live session", true)
}
