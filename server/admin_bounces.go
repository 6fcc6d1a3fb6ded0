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
		res, err := recordBounce(c.Request().Context(), log, st, "api", email, req.Kind, req.Reason)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, struct {
			Email string `json:"email"`
			Kind  string `json:"kind"`
			store.BounceResult
		}{email, req.Kind, res})
	}
}

// recordBounce records one report, from the API or a relay's own webhook
// (source), and logs it: the reason at debug level only, as it often quotes the address.
func recordBounce(ctx context.Context, log *slog.Logger, st bouncer, source, email, kind, reason string) (store.BounceResult, error) {
	res, err := st.Bounce(ctx, email, kind)
	if err != nil {
		return res, err
	}
	log.Info("bounce", "source", source, "kind", kind, "domain", logDomain(email), "on_list", res.Known, "suppressed", res.Suppressed)
	log.Debug("bounce reason", "kind", kind, "reason", clip(reason, 500))
	return res, nil
}
