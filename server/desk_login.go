package server

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// The sign-in rate limit: failed attempts counted over signinWindow, per
// client address and per account, in the database so that every instance
// counts the same attempts. Past the limit even the right password is refused
// until the window has moved on.
const (
	signinWindow     = 15 * time.Minute
	signinPerClient  = 20
	signinPerAccount = 5
)

// loginForm is the sign-in page's data.
type loginForm struct {
	Email   string
	Next    string
	Error   string // catalogue key
	Limited bool
}

// handleLoginPage shows the sign-in form, with a fresh CSRF token in its own cookie.
func handleLoginPage(d deskRenderer, k cookies) echo.HandlerFunc {
	return func(c echo.Context) error {
		return loginPage(c, d, k, http.StatusOK, loginForm{Next: safeNext(c.QueryParam("next"))})
	}
}

func loginPage(c echo.Context, d deskRenderer, k cookies, status int, f loginForm) error {
	token := rand.Text()
	c.SetCookie(k.make(loginCookie, token, "/admin/login", time.Hour))
	c.Set(csrfKey, token)
	return d.page(c, status, "login", "desk.login.title", "", f)
}

// handleLogin signs an editor in: the form's token must match its cookie and
// come from the desk's own page; then the rate limit, then the password. A
// session the browser held before is ended and a new one begins.
func handleLogin(st interface {
	editorAuth
	auditor
}, d deskRenderer, k cookies) echo.HandlerFunc {
	protect := http.NewCrossOriginProtection()
	return func(c echo.Context) error {
		r := c.Request()
		ck, err := r.Cookie(loginCookie)
		if err != nil || protect.Check(r) != nil || !sameToken(r.PostFormValue("csrf"), ck.Value) {
			return errDeskCSRF
		}
		ctx := r.Context()
		email := strings.TrimSpace(r.PostFormValue("email"))
		f := loginForm{Email: email, Next: safeNext(r.PostFormValue("next"))}
		client, account := "ip:"+c.RealIP(), "account:"+store.EmailKey(email)
		counts, err := st.SigninFailures(ctx, signinWindow, client, account)
		if err != nil {
			return err
		}
		if counts[client] >= signinPerClient || counts[account] >= signinPerAccount {
			c.Response().Header().Set("Retry-After", "900")
			f.Error, f.Limited = "desk.login.limited", true
			return loginPage(c, d, k, http.StatusTooManyRequests, f)
		}
		ed, err := st.Authenticate(ctx, email, r.PostFormValue("password"))
		if errors.Is(err, store.ErrBadSignIn) {
			if err := st.RecordSigninFailure(ctx, signinWindow, client, account); err != nil {
				return err
			}
			f.Error = "desk.login.wrong"
			return loginPage(c, d, k, http.StatusUnauthorized, f)
		}
		if err != nil {
			return err
		}
		var old string
		if ck, err := r.Cookie(sessionCookie); err == nil {
			old = ck.Value
		}
		token, sess, err := st.StartSession(ctx, ed.ID, old, sessionPolicy)
		if err != nil {
			return err
		}
		if err := st.ClearSigninFailures(ctx, account); err != nil {
			return err
		}
		c.Set(sessionCtxKey, sess)
		if err := audit(ctx, st, c, "signin", ed.Email, ""); err != nil {
			return err
		}
		c.SetCookie(k.make(sessionCookie, token, "/admin", sessionPolicy.Lifetime))
		c.SetCookie(k.make(loginCookie, "", "/admin/login", -1))
		return seeOther(c, f.Next, "")
	}
}

// handleLogout ends the session and clears its cookie.
func handleLogout(st editorAuth, k cookies) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ck, err := c.Request().Cookie(sessionCookie); err == nil {
			if err := st.EndSession(c.Request().Context(), ck.Value); err != nil {
				return err
			}
		}
		c.SetCookie(k.make(sessionCookie, "", "/admin", -1))
		return seeOther(c, "/admin/login", "desk.done.signout")
	}
}
