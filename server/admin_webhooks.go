package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// webhookLister is what the webhook list needs of the store.
type webhookLister interface {
	ListWebhooks(ctx context.Context, status string, limit int) ([]store.WebhookEvent, error)
}

// handleListWebhooks shows the outgoing webhook events and their delivery
// state, newest first: ?status=pending|delivered|failed, ?limit (100, at most 1000).
func handleListWebhooks(st webhookLister) echo.HandlerFunc {
	return func(c echo.Context) error {
		status := c.QueryParam("status")
		switch status {
		case "", "pending", "delivered", "failed":
		default:
			return badField(http.StatusBadRequest, "status", "status must be pending, delivered or failed")
		}
		limit := 100
		if raw := c.QueryParam("limit"); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || n > 1000 {
				return badField(http.StatusBadRequest, "limit", "limit must be a whole number from 1 to 1000")
			}
			limit = n
		}
		events, err := st.ListWebhooks(c.Request().Context(), status, limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"webhooks": events})
	}
}
