package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// suppressionKeeper is what the suppression routes need of the store.
type suppressionKeeper interface {
	ListSuppressions(ctx context.Context, f store.SuppressionFilter) (store.SuppressionPage, error)
	LiftSuppression(ctx context.Context, email, channel, reason string) (store.Suppression, error)
}

// handleListSuppressions lists the suppressions in force (?lifted=true: the
// lifted ones too), or the one of ?email=, limit at a time; next_cursor,
// passed back as cursor, gives the next page. An address shows only while its
// subscriber is on the list: erased ones are a hash.
func handleListSuppressions(st suppressionKeeper) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := store.SuppressionFilter{After: c.QueryParam("cursor")}
		if v := c.QueryParam("email"); v != "" {
			email, err := emailOf(v, "email")
			if err != nil {
				return err
			}
			f.Email = email
		}
		if v := c.QueryParam("lifted"); v != "" {
			lifted, err := strconv.ParseBool(v)
			if err != nil {
				return badField(http.StatusBadRequest, "lifted", "lifted must be true or false")
			}
			f.Lifted = lifted
		}
		if v := c.QueryParam("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > store.MaxPageSize {
				return badField(http.StatusBadRequest, "limit", "limit must be a whole number from 1 to %d", store.MaxPageSize)
			}
			f.Limit = n
		}
		page, err := st.ListSuppressions(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, page)
	}
}

// handleLiftSuppression lifts the suppression of an address, with the reason
// given as ?reason= or as {"reason": "..."}, recorded with it. Nobody who left
// comes back by it; a reader whom only a bounce took off is active again.
func handleLiftSuppression(log *slog.Logger, st suppressionKeeper) echo.HandlerFunc {
	return func(c echo.Context) error {
		email, err := emailParam(c)
		if err != nil {
			return err
		}
		reason := c.QueryParam("reason")
		if c.Request().ContentLength != 0 && strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
			var req struct {
				Reason string `json:"reason"`
			}
			if err := decodeJSON(c, &req); err != nil {
				return err
			}
			reason = req.Reason
		}
		if len(reason) > 500 {
			return badField(http.StatusUnprocessableEntity, "reason", "reason must be at most 500 bytes")
		}
		sup, err := st.LiftSuppression(c.Request().Context(), email, "admin API", strings.TrimSpace(reason))
		if errors.Is(err, store.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "this address is not suppressed")
		}
		if err != nil {
			return err
		}
		log.Info("suppression lifted", "domain", logDomain(email), "reason", sup.Reason, "subscriber_id", sup.SubscriberID)
		return c.JSON(http.StatusOK, map[string]any{"email": email, "suppression": sup})
	}
}
