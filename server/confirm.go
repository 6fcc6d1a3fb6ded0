package server

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

var invalidLink = templates.Message{Title: "invalid.title", Body: "invalid.body", Back: true}

// confirmLink is what a confirmation token names: a signup (every link made
// now), or a subscriber (links made before signups were kept, still honoured).
type confirmLink struct {
	id     int64
	signup bool
}

// verifyConfirm checks a confirmation token; an authentic but expired one is
// returned with store.ErrTokenExpired, so that the page can offer a new mail.
func verifyConfirm(links *store.Signer, token string) (confirmLink, error) {
	id, err := links.Verify(store.PurposeSignup, token)
	if errors.Is(err, store.ErrTokenInvalid) {
		id, err = links.Verify(store.PurposeConfirm, token)
		return confirmLink{id: id}, err
	}
	return confirmLink{id: id, signup: true}, err
}

// handleConfirmPage shows one "Confirmer" button. A GET changes nothing, because
// mail scanners open every link they see.
func handleConfirmPage(links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		lang := "?lang=" + locale(c, "") // the mail's link names the subscriber's language
		_, err := verifyConfirm(links, token)
		switch {
		case errors.Is(err, store.ErrTokenExpired):
			return p.message(c, http.StatusGone, templates.Message{Title: "expired.title", Body: "expired.body",
				Action: "/confirm/" + token + "/resend" + lang, Button: "expired.button"})
		case err != nil:
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		return p.message(c, http.StatusOK, templates.Message{Title: "confirm.title", Body: "confirm.body",
			Action: "/confirm/" + token + lang, Button: "confirm.button"})
	}
}

// handleConfirm confirms the signup the token names: its choices take effect,
// and the spelling it was mailed to is the one mailed from now on.
func handleConfirm(log *slog.Logger, st confirmer, links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		link, err := verifyConfirm(links, c.Param("token"))
		if errors.Is(err, store.ErrTokenExpired) {
			return handleConfirmPage(links, p)(c)
		}
		if err != nil {
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		var sub store.Subscriber
		if link.signup {
			by := store.Consent{Method: "link", IP: truncateIP(c.RealIP()), UserAgent: clip(c.Request().UserAgent(), 300)}
			sub, err = st.ConfirmSignup(c.Request().Context(), link.id, by)
		} else {
			sub, err = st.Confirm(c.Request().Context(), link.id)
		}
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		if err != nil {
			return err
		}
		log.Info("confirmed", "subscriber_id", sub.ID, "signup_id", link.id, "signup_link", link.signup)
		return p.render(c, http.StatusOK, "message", sub.Locale, "confirmed.title",
			templates.Message{Title: "confirmed.title", Body: "confirmed.body"})
	}
}

// handleResend sends a new confirmation mail for an authentic but expired link.
func handleResend(st confirmer, links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		link, err := verifyConfirm(links, c.Param("token"))
		if err != nil && !errors.Is(err, store.ErrTokenExpired) {
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		if link.signup {
			_, err = st.ResendSignup(c.Request().Context(), link.id)
		} else {
			_, err = st.ResendConfirmation(c.Request().Context(), link.id)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return p.message(c, http.StatusOK, templates.Message{Title: "resent.title", Body: "resent.body"})
	}
}
