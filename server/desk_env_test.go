package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

// deskEnv is the real server with an editor account, and a browser-like
// client (cookie jar, Origin and Sec-Fetch-Site headers as a browser sends them).
type deskEnv struct {
	*leaveEnv
	email, password string
}

func newDeskEnv(t *testing.T) *deskEnv {
	t.Helper()
	return newDeskEnvWith(t, "http://localhost:8080")
}

// newDeskEnvWith is newDeskEnv with the public URL baseURL.
func newDeskEnvWith(t *testing.T, baseURL string) *deskEnv {
	t.Helper()
	env := &deskEnv{leaveEnv: newLeaveEnvAt(t, baseURL), email: "editor@example.org", password: "correct horse battery"}
	hash, err := store.HashPassword(env.password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.AddEditor(context.Background(), env.email, hash); err != nil {
		t.Fatal(err)
	}
	return env
}

// browser is one editor's browser: its cookies, and the CSRF token of the last page it read.
type browser struct {
	t      *testing.T
	env    *deskEnv
	client *http.Client
	csrf   string
	origin string // the Origin its forms are posted from; the desk's own by default
}

func (env *deskEnv) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, env: env, origin: env.srv.URL, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get reads a page, keeping the CSRF token it carries.
func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.env.srv.URL+path, nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// post sends a form as the browser does from a desk page, with the token unless form has one.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.env.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.origin)
	if b.origin == b.env.srv.URL {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	return b.do(req)
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(body)
}

// signIn signs the editor in through the form and fails the test otherwise.
func (b *browser) signIn() {
	b.t.Helper()
	b.get("/admin/login")
	resp, body := b.post("/admin/login", url.Values{"email": {b.env.email}, "password": {b.env.password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
	b.get("/admin/audit") // a page of the session, for its token
}

// cookie is the browser's cookie called name for the desk, or nil.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.env.srv.URL + "/admin/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// setCookie plants a cookie, as an attacker who shares the browser might.
func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.env.srv.URL + "/admin/")
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/admin"}})
}
