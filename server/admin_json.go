package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// fieldError is a 4xx about one field of a request; errorHandler names the
// field in the JSON error, so that a client knows what to fix.
type fieldError struct {
	status int
	field  string
	msg    string
}

func (e *fieldError) Error() string { return e.msg }

func badField(status int, field, format string, args ...any) error {
	return &fieldError{status: status, field: field, msg: fmt.Sprintf(format, args...)}
}

// decodeJSON reads exactly one JSON object into v. Unknown fields are refused,
// because a misspelt field silently ignored is an instruction silently lost.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return echo.NewHTTPError(http.StatusBadRequest, "the body must hold one JSON object and nothing after it")
	}
	return nil
}

// jsonError turns a decoding error into a 400 that says what was wrong, and where.
func jsonError(err error) error {
	var (
		he   *echo.HTTPError
		syn  *json.SyntaxError
		typ  *json.UnmarshalTypeError
		name string
	)
	switch {
	case errors.As(err, &he):
		return he // the body limit
	case errors.Is(err, io.EOF):
		return echo.NewHTTPError(http.StatusBadRequest, "the body is empty; send a JSON object")
	case errors.As(err, &syn):
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return echo.NewHTTPError(http.StatusBadRequest, "the body is not valid JSON (it ends too early)")
	case errors.As(err, &typ) && typ.Field != "":
		return badField(http.StatusBadRequest, typ.Field, "field %q must be a %s, not a JSON %s", typ.Field, typ.Type, typ.Value)
	case errors.As(err, &typ):
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("the body must be a JSON object, not a JSON %s", typ.Value))
	}
	if _, after, ok := strings.Cut(err.Error(), "unknown field "); ok {
		name, _ = strconv.Unquote(after)
		return badField(http.StatusBadRequest, name, "unknown field %s", after)
	}
	return echo.NewHTTPError(http.StatusBadRequest, "the body could not be read as JSON")
}

// emailOf normalizes an address given in field, or answers 422 naming the field.
func emailOf(raw, field string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", badField(http.StatusUnprocessableEntity, field, "%s is required", field)
	}
	email, err := store.NormalizeEmail(raw)
	if err != nil {
		return "", badField(http.StatusUnprocessableEntity, field, "%s", strings.TrimPrefix(err.Error(), store.ErrInvalid.Error()+": "))
	}
	return email, nil
}

// emailParam is the address in the :email path segment.
func emailParam(c echo.Context) (string, error) {
	raw, err := url.PathUnescape(c.Param("email"))
	if err != nil {
		return "", badField(http.StatusBadRequest, "email", "the address in the path is not correctly escaped")
	}
	return emailOf(raw, "email")
}

// logDomain is what the info logs say of an address: its domain only.
func logDomain(email string) string {
	return email[strings.LastIndexByte(email, '@')+1:]
}
