package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// editorAuth is what signing in and out needs of the store.
type editorAuth interface {
	Authenticate(ctx context.Context, email, password string) (store.Editor, error)
	StartSession(ctx context.Context, editorID int64, oldToken string, p store.SessionPolicy) (string, store.Session, error)
	Session(ctx context.Context, token string, p store.SessionPolicy) (store.Session, error)
	EndSession(ctx context.Context, token string) error
	SigninFailures(ctx context.Context, window time.Duration, keys ...string) (map[string]int, error)
	RecordSigninFailure(ctx context.Context, keep time.Duration, keys ...string) error
	ClearSigninFailures(ctx context.Context, key string) error
}

// The desk's cookies: the session, and the sign-in form's own CSRF token
// (there is no session yet to hold one).
const (
	sessionCookie = "caravan_desk"
	loginCookie   = "caravan_desk_login"
	sessionCtxKey = "desk.session"
)

var (
	errDeskCSRF    = echo.NewHTTPError(http.StatusForbidden, "err.csrf")
	errDeskSession = echo.NewHTTPError(http.StatusUnauthorized, "desk.err.session")
)

// cookies makes the desk's cookies: HttpOnly, SameSite=Strict, and Secure when
// the desk is served over https (its base URL says so).
type cookies struct{ secure bool }

func (k cookies) make(name, value, path string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true, Secure: k.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(maxAge.Seconds())}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	return c
}

// sessionOf is the session requireEditor found for this request.
func sessionOf(c echo.Context) (store.Session, bool) {
	s, ok := c.Get(sessionCtxKey).(store.Session)
	return s, ok
}

// requireEditor lets through only requests with a live session, and for any
// request that changes something, only from the desk's own pages (Origin and
// Sec-Fetch-Site) and with the session's CSRF token. A browser without a session
// is sent to the sign-in page; anything else gets 401.
func requireEditor(st editorAuth, k cookies) echo.MiddlewareFunc {
	protect := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			var token string
			if ck, err := r.Cookie(sessionCookie); err == nil {
				token = ck.Value
			}
			sess, err := st.Session(r.Context(), token, sessionPolicy)
			if errors.Is(err, store.ErrNoSession) {
				if token != "" {
					c.SetCookie(k.make(sessionCookie, "", "/admin", -1))
				}
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					q := url.Values{"next": {r.URL.RequestURI()}, "lang": {deskLocale(c)}}
					return c.Redirect(http.StatusSeeOther, "/admin/login?"+q.Encode())
				}
				return errDeskSession
			}
			if err != nil {
				return err
			}
			c.Set(sessionCtxKey, sess)
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				if err := protect.Check(r); err != nil {
					return errDeskCSRF
				}
				if !sameToken(r.PostFormValue("csrf"), sess.CSRF) {
					return errDeskCSRF
				}
			}
			return next(c)
		}
	}
}

// sameToken compares a presented token with the expected one in constant time.
func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// safeNext is where to go after signing in: a desk page, never another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		strings.HasPrefix(next, "/admin/login") || strings.HasPrefix(next, "/admin/logout") {
		return "/admin"
	}
	return next
}
