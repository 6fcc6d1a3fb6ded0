package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// Viewer shows a digest in the browser from its signed link (digest.Viewer).
type Viewer interface {
	// View returns the digest's HTML as its reader got it, or, when the reader
	// is gone, the public edition of the same run.
	View(ctx context.Context, token string) (html string, edition store.Edition, err error)
}

var goneDigest = templates.Message{Title: "view.gone.title", Body: "view.gone.body", Back: true}

// handleView shows the reader's own digest, as sent, from the "view in
// browser" link of the mail. It records and counts nothing, and its links
// carry no referrer, so the token never leaves the page.
func handleView(v Viewer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Robots-Tag", "noindex")
		html, edition, err := v.View(c.Request().Context(), c.Param("token"))
		switch {
		case errors.Is(err, store.ErrTokenInvalid):
			return p.message(c, http.StatusBadRequest, invalidLink)
		case errors.Is(err, store.ErrTokenExpired), errors.Is(err, store.ErrNotFound):
			return p.message(c, http.StatusGone, goneDigest)
		case err != nil:
			return err
		case html == "": // the reader is gone: the public edition instead
			page := editionPage(edition, "")
			page.Notice = "view.public"
			return p.render(c, http.StatusOK, "edition", locale(c, ""), "archive.title", page)
		}
		h.Set("Cache-Control", "private, no-store")
		return c.HTMLBlob(http.StatusOK, []byte(html))
	}
}
