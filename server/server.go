// Package server is Caravan's HTTP surface, on Echo: the public signup, confirm,
// preference and unsubscribe pages, and the authenticated admin API. It calls the
// store and the digest worker through small interfaces it declares, and maps their
// domain errors to HTTP statuses in one place (errors.go).
package server

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// FormVersion names the wording of the signup form; it is kept in each consent record.
const FormVersion = "2026-11-form-v2"

// Config is what the server needs to know about its site.
type Config struct {
	BaseURL        string // public URL, for links
	Site           templates.Site
	AllowedOrigins []string // sites allowed to embed the form (CORS, return_to)
	TrustedProxies []string // proxies whose X-Forwarded-For is believed
	RateLimit      int      // public POSTs per minute per client IP; 0 means no limit
	AdminToken     string   // bearer token for /api/admin/*
}

// Deps are the parts the server calls.
type Deps struct {
	Log     *slog.Logger
	Store   Store
	Pages   *templates.Set
	Links   *store.Signer
	Admin   AdminKey      // checks the admin bearer token
	Digests DigestStarter // may be nil until the digest worker exists
	Metrics http.Handler  // may be nil
	Desk    DeskParts     // what the editors' desk drives besides the store
	Archive Archive       // nil: the public archive is off
	Viewer  Viewer        // "view in browser"; nil: no such page
	Relays  Relays        // the relays' own bounce webhooks
}

// New builds the HTTP handler with every route (see routes.go).
func New(cfg Config, d Deps) (*echo.Echo, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	ipx, err := ipExtractor(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	e.IPExtractor = ipx
	e.HTTPErrorHandler = errorHandler(d.Log, d.Pages, cfg.Site)
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.ReadTimeout = time.Minute
	e.Server.IdleTimeout = 2 * time.Minute
	addRoutes(e, cfg, d)
	return e, nil
}

// originOf returns the scheme://host of a URL, or "" when it has none.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// allowedOrigin tells whether raw (a URL or an origin) is on one of the allowed sites.
func allowedOrigin(allowed []string, raw string) bool {
	o := originOf(raw)
	if o == "" {
		return false
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSuffix(a, "/"), o) {
			return true
		}
	}
	return false
}
