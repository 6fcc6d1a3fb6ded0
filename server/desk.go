package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// The editors' desk: server-rendered pages under /admin, for editors signed in
// with an account (caravan editors add) and a session kept in the database.
// Every page works without JavaScript; every form carries the session's CSRF
// token; every action is written to the audit log.

// deskStore is everything the desk asks of the store.
type deskStore interface {
	editorAuth
	auditor
	deskDashboard
}

// DeskParts are the parts of the program the desk drives besides the store;
// each may be nil, and the page that needs it then says it is unavailable.
type DeskParts struct {
	Schedule NextRuns       // when the scheduled digests go next; may be nil
	Zone     *time.Location // of the times shown
}

// sessionPolicy is how long a desk session lasts.
var sessionPolicy = store.SessionPolicy{Idle: 2 * time.Hour, Lifetime: 12 * time.Hour}

// deskRenderer renders desk pages with the site's look, under a strict policy:
// no script but one carrying the page's nonce, no framing, forms to the desk only.
type deskRenderer struct {
	pages *templates.Set
	site  templates.Site
	zone  *time.Location
}

// deskCSP is the desk's Content-Security-Policy; nonce allows the page's own script.
func deskCSP(nonce string) string {
	return "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; " +
		"script-src 'nonce-" + nonce + "'; connect-src 'self'; frame-src 'self'; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

// page renders the desk page name for the signed-in editor (if any).
func (d deskRenderer) page(c echo.Context, status int, name, title, nav string, data any) error {
	l := deskLocale(c)
	page := templates.Desk{Locale: l, Title: title, Site: d.site, Nav: nav, Path: c.Request().URL.RequestURI(),
		Zone: d.zone, Data: data, Notice: notice(c, l)}
	if s, ok := sessionOf(c); ok {
		page.Editor, page.CSRF = s.Editor.Email, s.CSRF
	}
	if r, ok := c.Get(refreshKey).(int); ok {
		page.Refresh = r
	}
	if t, ok := c.Get(csrfKey).(string); ok && page.CSRF == "" {
		page.CSRF = t
	}
	page.Nonce, _ = c.Get(nonceKey).(string)
	var buf bytes.Buffer
	if err := d.pages.DeskPage(&buf, name, page); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// deskHeaders gives every desk answer, redirects and errors included, the
// desk's policy: never framed, no script but the page's own (by nonce).
func deskHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		nonce := rand.Text()
		c.Set(nonceKey, nonce)
		h := c.Response().Header()
		h.Set("Content-Security-Policy", deskCSP(nonce))
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

const (
	refreshKey = "desk.refresh"
	nonceKey   = "desk.nonce"
	csrfKey    = "desk.csrf"
)

// deskLocale is the desk's language: ?lang= or the form's lang, then the browser's.
func deskLocale(c echo.Context) string {
	return locale(c, c.Request().PostFormValue("lang"))
}

// notice is the message a redirect after an action asked the page to show:
// only keys of the catalogue's "desk.done." family, so that a link cannot make
// the desk say something of its choosing.
func notice(c echo.Context, l string) string {
	key := c.QueryParam("done")
	if !strings.HasPrefix(key, "desk.done.") || templates.T(l, key) == key {
		return ""
	}
	return templates.T(l, key)
}

// seeOther redirects after a form post to path in the editor's language, with
// the notice done (a "desk.done." key, or "").
func seeOther(c echo.Context, path, done string) error {
	u, err := url.Parse(path)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("lang", deskLocale(c))
	if done != "" {
		q.Set("done", done)
	}
	u.RawQuery = q.Encode()
	return c.Redirect(http.StatusSeeOther, u.String())
}

// audit records what the signed-in editor did.
func audit(ctx context.Context, st auditor, c echo.Context, action, subject, detail string) error {
	s, _ := sessionOf(c)
	return st.Audit(ctx, store.AuditEntry{Editor: s.Editor.Email, Action: action, Subject: subject, Detail: detail})
}

// deskError shows an error on a desk page: msg when it is a catalogue key,
// else the general message of its status.
func deskError(c echo.Context, d deskRenderer, status int, msg string) {
	body := "error.body"
	switch {
	case templates.T("en", msg) != msg:
		body = msg
	case status == http.StatusNotFound:
		body = "desk.err.notfound"
	case status < 500:
		body = "invalid.body"
	}
	if err := d.page(c, status, "error", "error.title", "", deskErrorPage{Body: body, Detail: msg}); err != nil {
		c.String(status, msg)
	}
}

// deskErrorPage is the data of a desk error: a catalogue key, and the raw
// message when it was not one (a validation message, in English).
type deskErrorPage struct {
	Body   string
	Detail string
}
