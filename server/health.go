package server

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

type pinger interface {
	Ping(ctx context.Context) error
}

// handleHealth answers 200 while the database answers.
func handleHealth(db pinger) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := db.Ping(c.Request().Context()); err != nil {
			return c.String(http.StatusServiceUnavailable, "database unavailable\n")
		}
		return c.String(http.StatusOK, "ok\n")
	}
}
