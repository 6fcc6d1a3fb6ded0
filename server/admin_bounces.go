package server

import (
	"context"
	"log/slog"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// bouncer is what the bounce webhook needs of the store.
type bouncer interface {
	Bounce(ctx context.Context, email, kind string) (store.BounceResult, error)
}

// bounceRequest is a relay's report.
type bounceRequest struct {
	Email  string `json:"email"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// handleBounce takes bounce and complaint reports from a relay's webhook. Hard
// bounces and complaints suppress the address at once; soft ones are counted
// and suppress it at store.SoftBounceLimit. The relay's reason is logged at
// debug level only, as it often quotes the address.
func handleBounce(log *slog.Logger, st bouncer) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req bounceRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		email, err := emailOf(req.Email, "email")
		if err != nil {
			return err
		}
		if !slices.Contains(store.BounceKinds, req.Kind) {
			return badField(http.StatusUnprocessableEntity, "kind", "kind must be hard, soft or complaint")
		}
		res, err := st.Bounce(c.Request().Context(), email, req.Kind)
		if err != nil {
			return err
		}
		log.Info("bounce", "kind", req.Kind, "domain", logDomain(email), "on_list", res.Known, "suppressed", res.Suppressed)
		log.Debug("bounce reason", "kind", req.Kind, "reason", clip(req.Reason, 500))
		return c.JSON(http.StatusOK, struct {
			Email string `json:"email"`
			Kind  string `json:"kind"`
			store.BounceResult
		}{email, req.Kind, res})
	}
}
