package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestEveryAdminRouteNeedsTheToken takes the admin routes from the router
// itself, so that a route added later is covered too, and tries each with no
// token, wrong tokens, the token with something after it, and the token.
func TestEveryAdminRouteNeedsTheToken(t *testing.T) {
	env := newLeaveEnv(t)
	paths := strings.NewReplacer(":email", "ana%40example.org", ":id", "1")
	var routes int
	for _, r := range env.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/admin/") || strings.Contains(r.Path, "*") || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		routes++
		path := paths.Replace(r.Path)
		for name, auth := range map[string]string{
			"no token":          "",
			"empty bearer":      "Bearer ",
			"wrong token":       "Bearer wrong",
			"token with suffix": "Bearer " + adminToken + "x",
			"token prefix":      "Bearer " + adminToken[:len(adminToken)-1],
			"other scheme":      "Basic " + adminToken,
			"bare token":        adminToken,
		} {
			header := map[string]string{}
			if auth != "" {
				header["Authorization"] = auth
			}
			resp, body := env.do(t, r.Method, path, "application/json", strings.NewReader(`{}`), header)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) || strings.Contains(body, "field") {
				t.Errorf("%s %s, %s: %d %s", r.Method, path, name, resp.StatusCode, body)
			}
		}
		resp, body := env.do(t, r.Method, path, "application/json", strings.NewReader(`{}`),
			map[string]string{"Authorization": "Bearer " + adminToken})
		// 503: a part this test server runs without (the digest worker).
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s %s with the token: %d %s", r.Method, path, resp.StatusCode, body)
		}
	}
	if routes < 8 {
		t.Fatalf("only %d admin routes found", routes)
	}
	// An unknown admin path says nothing either, not even that it does not exist.
	if resp, _ := env.do(t, "GET", "/api/admin/nothing-here", "", nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown admin path: %d", resp.StatusCode)
	}
}
