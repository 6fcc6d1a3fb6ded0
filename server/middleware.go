package server

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// requestLog logs each request at debug level, and server errors at error level (errorHandler does).
func requestLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			log.Debug("request", "method", c.Request().Method, "path", c.Path(),
				"status", c.Response().Status, "duration_ms", time.Since(start).Milliseconds())
			return err
		}
	}
}

// securityHeaders sets the headers every page carries. The form may be framed
// only by the sites allowed to embed it.
func securityHeaders(allowed []string) echo.MiddlewareFunc {
	ancestors := "'self'"
	formAction := "'self'"
	for _, o := range allowed {
		ancestors += " " + o
		formAction += " " + o
	}
	csp := "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; " +
		"form-action " + formAction + "; base-uri 'none'; frame-ancestors " + ancestors
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			return next(c)
		}
	}
}

// crossOrigin guards the public routes. Browsers mark every request with Origin
// and Sec-Fetch-Site; Go's CrossOriginProtection refuses a state-changing request
// that another site made (CSRF), except from the sites allowed to embed the form,
// which also get CORS headers. Clients that are not browsers send neither header
// and pass, as they can forge no one's cookies anyway.
//
// A refusal is logged at info level with the origin and path, never the
// client's address: an operator who forgot CARAVAN_ALLOWED_ORIGINS sees why
// the form under the articles answers 403.
func crossOrigin(log *slog.Logger, allowed []string) echo.MiddlewareFunc {
	protect := http.NewCrossOriginProtection()
	for _, o := range allowed {
		if err := protect.AddTrustedOrigin(o); err != nil {
			panic(fmt.Sprintf("allowed origin %q: %v", o, err)) // checked at config time
		}
	}
	var cors echo.MiddlewareFunc
	if len(allowed) > 0 { // Echo's CORS allows every origin when given none
		cors = middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins: allowed,
			AllowMethods: []string{http.MethodGet, http.MethodPost},
			AllowHeaders: []string{echo.HeaderContentType, echo.HeaderAccept},
		})
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		guarded := func(c echo.Context) error {
			if err := protect.Check(c.Request()); err != nil {
				r := c.Request()
				log.Info("cross-origin request refused: add its origin to CARAVAN_ALLOWED_ORIGINS if it is yours",
					"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"),
					"method", r.Method, "path", c.Path())
				return errForbiddenOrigin
			}
			return next(c)
		}
		if cors != nil {
			return cors(guarded)
		}
		return guarded
	}
}

// rateLimit allows perMinute public POSTs per client IP, with a burst of the same size.
func rateLimit(perMinute int) echo.MiddlewareFunc {
	if perMinute <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	limiterStore := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 5 * time.Minute,
	})
	retryAfter := fmt.Sprint(max(1, 60/perMinute))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: limiterStore,
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", retryAfter)
			return errTooMany
		},
		ErrorHandler: func(c echo.Context, err error) error { return errTooMany },
	})
}

// ipExtractor believes X-Forwarded-For only from the trusted proxies.
func ipExtractor(trusted []string) (echo.IPExtractor, error) {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		if !strings.Contains(p, "/") {
			if strings.Contains(p, ":") {
				p += "/128"
			} else {
				p += "/32"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", p, err)
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

// truncateIP keeps the network part of an address for the consent record: a /24
// for IPv4, a /48 for IPv6, as is usual for proof without identification.
func truncateIP(raw string) string {
	ip := net.ParseIP(raw)
	if ip == nil {
		return ""
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.Mask(net.CIDRMask(24, 32)).String() + "/24"
	}
	return ip.Mask(net.CIDRMask(48, 128)).String() + "/48"
}
