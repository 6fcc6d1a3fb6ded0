package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// Errors the handlers return; errorHandler turns them into pages or JSON.
var (
	errForbiddenOrigin = echo.NewHTTPError(http.StatusForbidden, "err.csrf")
	errTooMany         = echo.NewHTTPError(http.StatusTooManyRequests, "toomany.body")
)

// bindError is the answer to a form or JSON body that could not be read: 413
// when it went past the body limit while being read (a body sent without a
// length is only measured then), else 400.
func bindError(err error) error {
	if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
		return echo.ErrStatusRequestEntityTooLarge
	}
	return echo.NewHTTPError(http.StatusBadRequest, "the request body could not be read")
}

// apiError is the JSON body of every error answer.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// statusOf maps domain errors to HTTP statuses: the one table of it.
func statusOf(err error) int {
	var he *echo.HTTPError
	var fe *fieldError
	switch {
	case errors.As(err, &he):
		return he.Code
	case errors.As(err, &fe):
		return fe.status
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, store.ErrInvalid):
		return http.StatusUnprocessableEntity
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrSuppressed):
		return http.StatusConflict
	case errors.Is(err, store.ErrTokenInvalid):
		return http.StatusBadRequest
	case errors.Is(err, store.ErrTokenExpired):
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// codes name statuses in JSON errors.
var codes = map[int]string{
	400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
	409: "conflict", 410: "gone", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
	500: "internal", 503: "unavailable",
}

// errorHandler answers every error a handler returns: a JSON body under /api/ or
// when JSON was asked for, else a page in the visitor's language. Only 5xx are logged.
func errorHandler(log *slog.Logger, pages *templates.Set, site templates.Site) echo.HTTPErrorHandler {
	pr := pageRenderer{pages: pages, site: site}
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status := statusOf(err)
		msg := err.Error()
		var he *echo.HTTPError
		if errors.As(err, &he) {
			msg = strings.TrimPrefix(he.Error(), "code="+http.StatusText(he.Code))
			if m, ok := he.Message.(string); ok {
				msg = m
			}
		}
		if status >= 500 {
			log.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
			msg = "internal error"
		}
		if wantsJSON(c) {
			var body apiError
			body.Error.Code, body.Error.Message = codes[status], templates.T("en", msg)
			if fe := (*fieldError)(nil); errors.As(err, &fe) {
				body.Error.Field = fe.field
			}
			if body.Error.Code == "" {
				body.Error.Code = strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
			}
			c.JSON(status, body)
			return
		}
		if pages == nil {
			c.String(status, msg)
			return
		}
		if strings.HasPrefix(c.Request().URL.Path, "/admin") {
			deskError(c, deskRenderer{pages: pages, site: site}, status, msg)
			return
		}
		title, bodyKey := "error.title", "error.body"
		switch {
		case status == http.StatusTooManyRequests:
			title, bodyKey = "toomany.title", "toomany.body"
		case status == http.StatusForbidden:
			title, bodyKey = "badrequest.title", "err.csrf"
		case status < 500:
			title, bodyKey = "badrequest.title", "invalid.body"
		}
		pr.message(c, status, templates.Message{Title: title, Body: bodyKey, Back: true})
	}
}

// wantsJSON tells whether the client asked for JSON or is on the API.
func wantsJSON(c echo.Context) bool {
	r := c.Request()
	return strings.HasPrefix(r.URL.Path, "/api/") ||
		strings.Contains(r.Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON) ||
		strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON)
}
