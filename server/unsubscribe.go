package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// leaver is what the unsubscribe pages need of the store.
type leaver interface {
	Subscriber(ctx context.Context, id int64) (store.Subscriber, error)
	Unsubscribe(ctx context.Context, id int64, channel string) (store.Subscriber, bool, error)
}

// handleUnsubscribePage shows one button. A GET changes nothing, because mail
// scanners open every link they see; someone who already left is told so.
func handleUnsubscribePage(st leaver, links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		id, err := links.Verify(store.PurposeUnsubscribe, token)
		if err != nil {
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		data := templates.Unsubscribe{Action: "/unsubscribe/" + token}
		loc := locale(c, "")
		sub, err := st.Subscriber(c.Request().Context(), id)
		switch {
		case errors.Is(err, store.ErrNotFound): // erased: the button still answers, and nothing is left to change
		case err != nil:
			return err
		default:
			loc = subscriberLocale(c, sub)
			data = leavePage(data, sub, links)
			data.Done = sub.Status == store.StatusUnsubscribed || sub.Status == store.StatusBounced
		}
		return p.render(c, http.StatusOK, "unsubscribe", loc, "unsub.title", data)
	}
}

// handleUnsubscribe unsubscribes at once and answers 200 with a page, never a
// redirect: RFC 8058 mail clients POST List-Unsubscribe=One-Click here with no
// cookie, from no page, and follow nothing. A second POST answers the same.
func handleUnsubscribe(log *slog.Logger, st leaver, links *store.Signer, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := links.Verify(store.PurposeUnsubscribe, c.Param("token"))
		if err != nil {
			return p.message(c, http.StatusBadRequest, invalidLink)
		}
		channel := store.ChannelLink
		if oneClick(c) {
			channel = store.ChannelOneClick
		}
		data := templates.Unsubscribe{Done: true}
		loc := locale(c, "")
		sub, changed, err := st.Unsubscribe(c.Request().Context(), id, channel)
		switch {
		case errors.Is(err, store.ErrNotFound): // erased: gone for good already
		case err != nil:
			return err
		default:
			loc = subscriberLocale(c, sub)
			data = leavePage(data, sub, links)
			if changed {
				log.Info("unsubscribed", "subscriber_id", id, "channel", channel)
			}
		}
		return p.render(c, http.StatusOK, "unsubscribe", loc, "unsub.done.title", data)
	}
}

// leavePage adds the ways to stay: preferences, and coming back for someone who left.
func leavePage(data templates.Unsubscribe, sub store.Subscriber, links *store.Signer) templates.Unsubscribe {
	prefs := "/preferences/" + links.Make(store.PurposePreferences, sub.ID, 0)
	data.PreferencesURL = prefs
	if sub.Status == store.StatusUnsubscribed {
		data.ResubscribeAction = prefs + "/resubscribe"
	}
	return data
}

// oneClick tells whether the body is RFC 8058's List-Unsubscribe=One-Click,
// url-encoded or multipart/form-data, or sent with no usable content type.
func oneClick(c echo.Context) bool {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if strings.HasPrefix(ct, echo.MIMEApplicationForm) || strings.HasPrefix(ct, echo.MIMEMultipartForm) {
		return c.FormValue("List-Unsubscribe") == "One-Click"
	}
	body, _ := io.ReadAll(io.LimitReader(c.Request().Body, 1024))
	return bytes.Contains(body, []byte("List-Unsubscribe=One-Click"))
}

// subscriberLocale is the page language for a known subscriber: ?lang= when
// given, else the language they chose.
func subscriberLocale(c echo.Context, sub store.Subscriber) string {
	if l := c.QueryParam("lang"); l == "fr" || l == "en" {
		return l
	}
	if sub.Locale == "fr" || sub.Locale == "en" {
		return sub.Locale
	}
	return locale(c, "")
}
