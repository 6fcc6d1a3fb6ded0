package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// preferencer is what the preferences page needs of the store.
type preferencer interface {
	Subscriber(ctx context.Context, id int64) (store.Subscriber, error)
	UpdatePreferences(ctx context.Context, id int64, p store.Preferences) (store.Subscriber, error)
	Resubscribe(ctx context.Context, id int64, consent store.Consent) (store.Subscriber, error)
}

// preferencesRequest is the preferences form.
type preferencesRequest struct {
	Countries []string `form:"countries"`
	Frequency string   `form:"frequency"`
	Lang      string   `form:"lang"`
}

// handlePreferencesPage shows the subscriber's choices in a form.
func handlePreferencesPage(st preferencer, links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		sub, err := linkedSubscriber(c, st, links)
		if err != nil {
			return linkError(c, p, err)
		}
		form := preferencesForm(c.Param("token"), sub, links)
		form.Saved = c.QueryParam("saved") == "1"
		return p.render(c, http.StatusOK, "preferences", subscriberLocale(c, sub), "prefs.title", form)
	}
}

// handlePreferences saves the form; saving counts as confirmed activity, which
// is how a subscriber answers a re-consent mail. Bad input gets the form back
// with a message at each wrong field, and nothing stored changes.
func handlePreferences(log *slog.Logger, st preferencer, links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		sub, err := linkedSubscriber(c, st, links)
		if err != nil {
			return linkError(c, p, err)
		}
		var req preferencesRequest
		if err := c.Bind(&req); err != nil {
			return bindError(err)
		}
		loc := subscriberLocale(c, sub)
		errs := map[string]string{}
		countries, err := store.NormalizeCountries(req.Countries)
		if err != nil {
			errs["countries"] = templates.T(loc, "err.countries")
		}
		if req.Frequency != "daily" && req.Frequency != "weekly" {
			errs["frequency"] = templates.T(loc, "err.frequency")
		}
		if req.Lang != "fr" && req.Lang != "en" {
			errs["lang"] = templates.T(loc, "err.lang")
		}
		token := c.Param("token")
		if len(errs) > 0 {
			form := preferencesForm(token, sub, links)
			form.Countries, form.Frequency, form.Language, form.Errors = req.Countries, req.Frequency, req.Lang, errs
			return p.render(c, http.StatusUnprocessableEntity, "preferences", loc, "prefs.title", form)
		}
		_, err = st.UpdatePreferences(c.Request().Context(), sub.ID,
			store.Preferences{Countries: countries, Frequency: req.Frequency, Locale: req.Lang,
				By: store.Consent{Method: "link", IP: truncateIP(c.RealIP())}})
		if err != nil {
			return linkError(c, p, err)
		}
		log.Info("preferences saved", "subscriber_id", sub.ID)
		return c.Redirect(http.StatusSeeOther, "/preferences/"+token+"?saved=1")
	}
}

// handleResubscribe brings back someone who left, from the button on the
// unsubscribe or preferences page. The signed link proves the mailbox is
// theirs; the consent record is renewed with how they came back.
func handleResubscribe(log *slog.Logger, st preferencer, links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := links.Verify(store.PurposePreferences, c.Param("token"))
		if err != nil {
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		consent := store.Consent{Method: "resubscribe", Source: "signed link in a newsletter", TextVersion: FormVersion,
			IP: truncateIP(c.RealIP()), UserAgent: clip(c.Request().UserAgent(), 300)}
		sub, err := st.Resubscribe(c.Request().Context(), id, consent)
		switch {
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrSuppressed):
			return p.message(c, http.StatusConflict, templates.Message{Title: "resubscribe.refused.title",
				Body: "resubscribe.refused.body"})
		case err != nil:
			return linkError(c, p, err)
		}
		log.Info("resubscribed", "subscriber_id", sub.ID)
		return p.render(c, http.StatusOK, "message", subscriberLocale(c, sub), "resubscribed.title",
			templates.Message{Title: "resubscribed.title", Body: "resubscribed.body"})
	}
}

// linkedSubscriber is the subscriber a preferences link names.
func linkedSubscriber(c echo.Context, st preferencer, links *store.Signer) (store.Subscriber, error) {
	id, err := links.Verify(store.PurposePreferences, c.Param("token"))
	if err != nil {
		return store.Subscriber{}, err
	}
	return st.Subscriber(c.Request().Context(), id)
}

// linkError answers a link that is not valid, or names no one any more, with a
// page that says so; other errors go to the error handler.
func linkError(c echo.Context, p pageRenderer, err error) error {
	switch {
	case errors.Is(err, store.ErrTokenInvalid), errors.Is(err, store.ErrTokenExpired):
		return p.message(c, http.StatusBadRequest, invalidLink)
	case errors.Is(err, store.ErrNotFound):
		return p.message(c, http.StatusNotFound, invalidLink)
	}
	return err
}

func preferencesForm(token string, sub store.Subscriber, links *store.Signer) templates.Preferences {
	form := templates.Preferences{Action: "/preferences/" + token, Countries: sub.Countries, Frequency: sub.Frequency,
		Language: sub.Locale, All: store.Countries}
	switch sub.Status {
	case store.StatusUnsubscribed:
		form.Unsubscribed, form.ResubscribeAction = true, "/preferences/"+token+"/resubscribe"
	case store.StatusActive, store.StatusPending:
		form.UnsubscribeURL = "/unsubscribe/" + links.Make(store.PurposeUnsubscribe, sub.ID, 0)
	}
	return form
}
