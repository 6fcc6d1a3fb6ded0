package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// statsReader is what the stats route needs of the store.
type statsReader interface {
	Stats(ctx context.Context, days int) (store.Stats, error)
}

// handleStats counts subscribers by status, country and frequency, and
// signups, confirmations and unsubscribes per day over ?days= (30 by default).
func handleStats(st statsReader) echo.HandlerFunc {
	return func(c echo.Context) error {
		days := 30
		if v := c.QueryParam("days"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 366 {
				return badField(http.StatusBadRequest, "days", "days must be a whole number from 1 to 366")
			}
			days = n
		}
		stats, err := st.Stats(c.Request().Context(), days)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, stats)
	}
}
