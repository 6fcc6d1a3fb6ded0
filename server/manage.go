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

// manager is what the "lost your link?" page needs of the store.
type manager interface {
	RequestManageLink(ctx context.Context, email string) (bool, error)
}

// manageRequest is the "lost your link?" form.
type manageRequest struct {
	Email   string `form:"email"`
	Lang    string `form:"lang"`
	Website string `form:"website"` // the honeypot
}

// handleManagePage shows the form where a reader asks for their preferences link.
func handleManagePage(p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		return p.render(c, http.StatusOK, "manage", locale(c, ""), "manage.title", templates.Manage{})
	}
}

// handleManage mails the preferences link to the address typed, if it is
// subscribed, and answers the same whatever the address, so that nobody learns
// from it who is on the list. A malformed address gets the form back.
func handleManage(log *slog.Logger, st manager, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req manageRequest
		if err := c.Bind(&req); err != nil {
			return bindError(err)
		}
		loc := locale(c, req.Lang)
		email, err := store.NormalizeEmail(req.Email)
		if err != nil {
			return p.render(c, http.StatusUnprocessableEntity, "manage", loc, "manage.title",
				templates.Manage{Email: req.Email, Error: emailMessage(loc, err)})
		}
		if req.Website == "" {
			queued, err := st.RequestManageLink(c.Request().Context(), email)
			if err != nil {
				return err
			}
			log.Info("manage link asked", "mail_queued", queued)
		}
		return p.render(c, http.StatusOK, "message", loc, "manage.sent.title",
			templates.Message{Title: "manage.sent.title", Body: "manage.sent.body", Back: true})
	}
}

// emailMessage is the sentence shown next to an address NormalizeEmail refused.
func emailMessage(loc string, err error) string {
	for _, m := range emailMessages {
		if errors.Is(err, m.err) {
			return templates.T(loc, m.key)
		}
	}
	return templates.T(loc, "err.email.invalid")
}
