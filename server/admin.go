package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// AdminKey checks a presented admin token, in constant time.
type AdminKey interface {
	Check(token string) bool
}

var errUnauthorized = echo.NewHTTPError(http.StatusUnauthorized, "unauthorized")

// requireAdmin lets through only requests bearing the admin token. Every other
// request gets the same bare 401, whatever was wrong with it.
func requireAdmin(key AdminKey) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			auth := c.Request().Header.Get(echo.HeaderAuthorization)
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok || token == "" || key == nil || !key.Check(token) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="caravan-admin"`)
				return errUnauthorized
			}
			return next(c)
		}
	}
}
