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

// handleConfirmPage shows one "Confirmer" button. A GET changes nothing, because
// mail scanners open every link they see.
func handleConfirmPage(links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		lang := "?lang=" + locale(c, "") // the mail's link names the subscriber's language
		_, err := links.Verify(store.PurposeConfirm, token)
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

// handleConfirm activates the subscriber the token names.
func handleConfirm(log *slog.Logger, st confirmer, links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := links.Verify(store.PurposeConfirm, c.Param("token"))
		if errors.Is(err, store.ErrTokenExpired) {
			return handleConfirmPage(links, p)(c)
		}
		if err != nil {
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		sub, err := st.Confirm(c.Request().Context(), id)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		if err != nil {
			return err
		}
		log.Info("confirmed", "subscriber_id", sub.ID)
		return p.render(c, http.StatusOK, "message", sub.Locale, "confirmed.title",
			templates.Message{Title: "confirmed.title", Body: "confirmed.body"})
	}
}

// handleResend sends a new confirmation mail for an authentic but expired link.
func handleResend(st confirmer, links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := links.Verify(store.PurposeConfirm, c.Param("token"))
		if err != nil && !errors.Is(err, store.ErrTokenExpired) {
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		if _, err := st.ResendConfirmation(c.Request().Context(), id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return p.message(c, http.StatusOK, templates.Message{Title: "resent.title", Body: "resent.body"})
	}
}
