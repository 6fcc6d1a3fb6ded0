package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// adminSubscribers is what the admin subscriber routes need of the store.
type adminSubscribers interface {
	ListSubscribers(ctx context.Context, f store.SubscriberFilter) (store.SubscriberPage, error)
	SubscriberRecord(ctx context.Context, email string) (store.SubscriberRecord, error)
	Erase(ctx context.Context, email string) (bool, error)
	UnsubscribeEmail(ctx context.Context, email, channel string) (bool, error)
}

var errNoSubscriber = echo.NewHTTPError(http.StatusNotFound, "no subscriber has this address")

// handleAdminUnsubscribe is the admin unsubscribe endpoint, for people who ask
// by phone or letter: it unsubscribes at once. An address not on the list is
// suppressed instead, and the answer is the same.
func handleAdminUnsubscribe(log *slog.Logger, st adminSubscribers) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req struct {
			Email string `json:"email"`
		}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		email, err := emailOf(req.Email, "email")
		if err != nil {
			return err
		}
		found, err := st.UnsubscribeEmail(c.Request().Context(), email, store.ChannelAdmin)
		if err != nil {
			return err
		}
		log.Info("admin unsubscribe", "domain", logDomain(email), "on_list", found)
		return c.JSON(http.StatusOK, map[string]string{"email": email, "status": store.StatusUnsubscribed})
	}
}

// handleListSubscribers lists subscribers by id, filtered by status, country,
// frequency and a part of the address (q), limit at a time; next_cursor, passed
// back as cursor, gives the next page.
func handleListSubscribers(st adminSubscribers) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := store.SubscriberFilter{Status: c.QueryParam("status"), Country: strings.ToLower(c.QueryParam("country")),
			Frequency: c.QueryParam("frequency"), Query: c.QueryParam("q")}
		switch {
		case f.Status != "" && !slices.Contains(store.Statuses, f.Status):
			return badField(http.StatusUnprocessableEntity, "status", "status must be pending, active, unsubscribed or bounced")
		case f.Country != "" && !slices.Contains(store.Countries, f.Country):
			return badField(http.StatusUnprocessableEntity, "country", "country must be kz, kg, uz, tj or tm")
		case f.Frequency != "" && !slices.Contains(store.Frequencies, f.Frequency):
			return badField(http.StatusUnprocessableEntity, "frequency", "frequency must be daily or weekly")
		}
		if v := c.QueryParam("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > store.MaxPageSize {
				return badField(http.StatusBadRequest, "limit", "limit must be a whole number from 1 to %d", store.MaxPageSize)
			}
			f.Limit = n
		}
		if v := c.QueryParam("cursor"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return badField(http.StatusBadRequest, "cursor", "cursor must be the next_cursor of a previous page")
			}
			f.After = n
		}
		page, err := st.ListSubscribers(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, page)
	}
}

// handleGetSubscriber answers a GDPR access request: the person, their consent
// record, every digest and every one-off mail sent to them.
func handleGetSubscriber(st adminSubscribers) echo.HandlerFunc {
	return func(c echo.Context) error {
		email, err := emailParam(c)
		if err != nil {
			return err
		}
		rec, err := st.SubscriberRecord(c.Request().Context(), email)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSubscriber
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, rec)
	}
}

// handleEraseSubscriber erases a person's data and keeps only a salted hash of
// the address in the suppression list, so no signup or import mails it again.
func handleEraseSubscriber(log *slog.Logger, st adminSubscribers) echo.HandlerFunc {
	return func(c echo.Context) error {
		email, err := emailParam(c)
		if err != nil {
			return err
		}
		found, err := st.Erase(c.Request().Context(), email)
		if err != nil {
			return err
		}
		log.Info("erased", "domain", logDomain(email), "was_on_list", found)
		return c.JSON(http.StatusOK, map[string]any{"email": email, "erased": found, "suppressed": true})
	}
}
