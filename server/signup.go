package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// signupRequest is the signup form, or its JSON twin.
type signupRequest struct {
	Email     string   `json:"email" form:"email"`
	Countries []string `json:"countries" form:"countries"`
	Frequency string   `json:"frequency" form:"frequency"`
	Lang      string   `json:"lang" form:"lang"`
	Source    string   `json:"source" form:"source"`
	ReturnTo  string   `json:"return_to" form:"return_to"`
	Website   string   `json:"website" form:"website"` // the honeypot: people leave it empty
}

// emailMessages maps each reason an address is refused to the sentence shown next to the field.
var emailMessages = []struct {
	err error
	key string
}{
	{store.ErrEmailEmpty, "err.email.required"},
	{store.ErrEmailTooLong, "err.email.long"},
	{store.ErrEmailLocalLong, "err.email.long"},
	{store.ErrEmailSeveral, "err.email.several"},
	{store.ErrEmailDisplayName, "err.email.name"},
	{store.ErrEmailControl, "err.email.control"},
	{store.ErrEmailNoAt, "err.email.noat"},
	{store.ErrEmailDomain, "err.email.domain"},
}

// validate turns the request into a signup, or into field errors in the page's language.
func (r *signupRequest) validate(loc string) (store.Signup, map[string]string) {
	errs := map[string]string{}
	email, err := store.NormalizeEmail(r.Email)
	if err != nil {
		errs["email"] = templates.T(loc, "err.email.invalid")
		for _, m := range emailMessages {
			if errors.Is(err, m.err) {
				errs["email"] = templates.T(loc, m.key)
				break
			}
		}
	}
	countries, err := store.NormalizeCountries(r.Countries)
	if err != nil {
		errs["countries"] = templates.T(loc, "err.countries")
	}
	if r.Frequency == "" {
		r.Frequency = "daily"
	}
	if r.Frequency != "daily" && r.Frequency != "weekly" {
		errs["frequency"] = templates.T(loc, "err.frequency")
	}
	if r.Lang != "" && r.Lang != "fr" && r.Lang != "en" {
		errs["lang"] = templates.T(loc, "err.lang")
	}
	return store.Signup{Email: email, Countries: countries, Frequency: r.Frequency, Locale: loc}, errs
}

// handleSubscribe records a signup and answers the same way whatever the address's
// state, so that nobody learns from it whether someone is subscribed.
func handleSubscribe(log *slog.Logger, st subscriber, p pageRenderer, allowed []string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req signupRequest
		if err := c.Bind(&req); err != nil {
			return bindError(err)
		}
		loc := locale(c, req.Lang)
		if req.Lang != "" && req.Lang != "fr" && req.Lang != "en" {
			loc = locale(c, "")
		}
		returnTo := ""
		if req.ReturnTo != "" && allowedOrigin(allowed, req.ReturnTo) {
			returnTo = req.ReturnTo
		}
		in, errs := req.validate(loc)
		if len(errs) > 0 {
			return signupInvalid(c, p, loc, req, returnTo, errs)
		}
		if req.Website == "" {
			in.Consent = consentOf(c, req.Source)
			res, err := st.Subscribe(c.Request().Context(), in)
			if err != nil {
				return err
			}
			log.Info("signup", "subscriber_id", res.SubscriberID, "created", res.Created, "mail_queued", res.MailQueued)
		}
		if wantsJSON(c) {
			return c.JSON(http.StatusAccepted, map[string]string{"status": "pending", "message": templates.T(loc, "thanks.body")})
		}
		if returnTo != "" {
			return c.Redirect(http.StatusSeeOther, withParam(returnTo, "caravan", "pending")+"#caravan-newsletter")
		}
		return c.Redirect(http.StatusSeeOther, "/thanks?lang="+loc)
	}
}

func signupInvalid(c echo.Context, p pageRenderer, loc string, req signupRequest, returnTo string, errs map[string]string) error {
	if wantsJSON(c) {
		var body apiError
		for _, f := range []string{"email", "countries", "frequency", "lang"} {
			if m, ok := errs[f]; ok {
				body.Error.Code, body.Error.Field, body.Error.Message = "invalid", f, m
				break
			}
		}
		return c.JSON(http.StatusUnprocessableEntity, body)
	}
	if returnTo != "" {
		// From the form under an article: back to the article, whose snippet
		// shows the problem by CSS :target, with no JavaScript.
		return c.Redirect(http.StatusSeeOther, withParam(returnTo, "caravan", "invalid")+"#caravan-error")
	}
	form := templates.SignupForm{Action: "/subscribe", Email: req.Email, Countries: req.Countries,
		Frequency: req.Frequency, Source: req.Source, ReturnTo: returnTo, Errors: errs, All: store.Countries}
	return p.render(c, http.StatusUnprocessableEntity, "signup", loc, "signup.title", form)
}

// consentOf records where and how the visitor signed up.
func consentOf(c echo.Context, source string) store.Consent {
	if source == "" {
		source = c.Request().Referer()
	}
	if source == "" {
		source = "hosted page"
	}
	return store.Consent{Method: "form", Source: clip(source, 500), TextVersion: FormVersion,
		IP: truncateIP(c.RealIP()), UserAgent: clip(c.Request().UserAgent(), 300)}
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func withParam(raw, k, v string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(k, v)
	u.RawQuery, u.Fragment = q.Encode(), ""
	return u.String()
}

// handleSignupPage shows the hosted signup page.
func handleSignupPage(p pageRenderer, allowed []string) echo.HandlerFunc {
	return func(c echo.Context) error {
		loc := locale(c, "")
		form := templates.SignupForm{Action: "/subscribe", All: store.Countries, Source: c.QueryParam("source")}
		if cc, err := store.NormalizeCountries(c.QueryParams()["country"]); err == nil {
			form.Countries = cc
		}
		if rt := c.QueryParam("return_to"); allowedOrigin(allowed, rt) {
			form.ReturnTo = rt
		}
		return p.render(c, http.StatusOK, "signup", loc, "signup.title", form)
	}
}

// handleThanks is where a signup lands.
func handleThanks(p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		return p.render(c, http.StatusOK, "message", locale(c, ""), "thanks.title",
			templates.Message{Title: "thanks.title", Body: "thanks.body", Note: "thanks.note", Back: true})
	}
}

// handleEmbed gives the snippet a site pastes under its articles: a plain form
// posting back to Caravan, styled to sit in an article footer.
func handleEmbed(p pageRenderer, allowed []string) echo.HandlerFunc {
	return func(c echo.Context) error {
		loc := locale(c, "")
		form := templates.SignupForm{Action: p.site.BaseURL + "/subscribe", All: store.Countries, Embed: true,
			Source: c.QueryParam("source")}
		if cc, err := store.NormalizeCountries([]string{c.QueryParam("country")}); err == nil {
			form.Countries = cc
		}
		if rt := c.QueryParam("return_to"); allowedOrigin(allowed, rt) {
			form.ReturnTo = rt
		}
		var buf strings.Builder
		page := templates.Page{Locale: loc, Title: "signup.title", Site: p.site, Data: form}
		if err := p.pages.Fragment(&buf, "embed", "embed", page); err != nil {
			return err
		}
		return c.HTML(http.StatusOK, buf.String())
	}
}
