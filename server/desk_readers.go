package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// deskReaders is what the readers' pages need of the store.
type deskReaders interface {
	ListSubscribers(ctx context.Context, f store.SubscriberFilter) (store.SubscriberPage, error)
	Subscriber(ctx context.Context, id int64) (store.Subscriber, error)
	SubscriberByEmail(ctx context.Context, email string) (store.Subscriber, error)
	SubscriberRecord(ctx context.Context, email string) (store.SubscriberRecord, error)
	UnsubscribeEmail(ctx context.Context, email, channel string) (bool, error)
	Erase(ctx context.Context, email string) (bool, error)
	ResendConfirmation(ctx context.Context, id int64) (bool, error)
	UpdatePreferences(ctx context.Context, id int64, p store.Preferences) (store.Subscriber, error)
}

const readersPageSize = 50

// readersPage is the data of /admin/subscribers.
type readersPage struct {
	Filter    store.SubscriberFilter
	Page      store.SubscriberPage
	NextURL   string
	Statuses  []string
	Countries []string
	Locales   []string
	Problem   string // a filter that could not be read, in English
}

// handleReadersPage lists readers: a part of the address, filters, pages.
func handleReadersPage(st deskReaders, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := store.SubscriberFilter{Query: strings.TrimSpace(c.QueryParam("q")), Status: c.QueryParam("status"),
			Country: c.QueryParam("country"), Frequency: c.QueryParam("frequency"), Locale: c.QueryParam("locale"),
			Limit: readersPageSize}
		f.After, _ = strconv.ParseInt(c.QueryParam("after"), 10, 64)
		p := readersPage{Filter: f, Statuses: store.Statuses, Countries: store.Countries, Locales: store.Locales}
		page, err := st.ListSubscribers(c.Request().Context(), f)
		status := http.StatusOK
		switch {
		case errors.Is(err, store.ErrInvalid):
			p.Problem, status = err.Error(), http.StatusBadRequest
		case err != nil:
			return err
		}
		p.Page = page
		if page.NextCursor != "" {
			q := c.QueryParams()
			q.Set("after", page.NextCursor)
			p.NextURL = "/admin/subscribers?" + q.Encode()
		}
		return d.page(c, status, "subscribers", "desk.nav.subscribers", "subscribers", p)
	}
}

// readerPage is the data of one reader's page.
type readerPage struct {
	Record    store.SubscriberRecord
	Audit     []store.AuditEntry
	Countries []string
	Locales   []string
}

// readerOf loads the reader of the route's :id.
func readerOf(c echo.Context, st deskReaders) (store.Subscriber, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Subscriber{}, echo.NewHTTPError(http.StatusNotFound, "desk.err.notfound")
	}
	sub, err := st.Subscriber(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Subscriber{}, echo.NewHTTPError(http.StatusNotFound, "desk.err.notfound")
	}
	return sub, err
}

// handleReaderPage shows one reader: choices, consent, deliveries, mails, and
// what editors did about them.
func handleReaderPage(st interface {
	deskReaders
	auditor
}, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		sub, err := readerOf(c, st)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		rec, err := st.SubscriberRecord(ctx, sub.Email)
		if err != nil {
			return err
		}
		lines, err := st.AuditLog(ctx, store.AuditFilter{Subject: sub.Email})
		if err != nil {
			return err
		}
		return d.page(c, http.StatusOK, "subscriber", "desk.reader.title", "subscribers",
			readerPage{Record: rec, Audit: lines, Countries: store.Countries, Locales: store.Locales})
	}
}

// handleReaderUnsubscribe unsubscribes a reader who asked by phone or letter.
func handleReaderUnsubscribe(st interface {
	deskReaders
	auditor
}) echo.HandlerFunc {
	return func(c echo.Context) error {
		sub, err := readerOf(c, st)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		if _, err := st.UnsubscribeEmail(ctx, sub.Email, store.ChannelAdmin); err != nil {
			return err
		}
		if err := audit(ctx, st, c, "unsubscribe", sub.Email, ""); err != nil {
			return err
		}
		return seeOther(c, "/admin/subscribers/"+c.Param("id"), "desk.done.unsubscribed")
	}
}

// handleReaderErase erases a reader once the editor typed the address again.
// The audit line is written first, so that the erasure hashes it with the rest.
func handleReaderErase(st interface {
	deskReaders
	auditor
}) echo.HandlerFunc {
	return func(c echo.Context) error {
		sub, err := readerOf(c, st)
		if err != nil {
			return err
		}
		if store.EmailKey(strings.TrimSpace(c.FormValue("confirm"))) != store.EmailKey(sub.Email) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "desk.reader.erase.mismatch")
		}
		ctx := c.Request().Context()
		if err := audit(ctx, st, c, "erase", sub.Email, ""); err != nil {
			return err
		}
		if _, err := st.Erase(ctx, sub.Email); err != nil {
			return err
		}
		return seeOther(c, "/admin/subscribers", "desk.done.erased")
	}
}

// handleReaderResend sends a pending reader a new confirmation mail.
func handleReaderResend(st interface {
	deskReaders
	auditor
}) echo.HandlerFunc {
	return func(c echo.Context) error {
		sub, err := readerOf(c, st)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		queued, err := st.ResendConfirmation(ctx, sub.ID)
		if err != nil {
			return err
		}
		if !queued {
			return seeOther(c, "/admin/subscribers/"+c.Param("id"), "desk.done.notresent")
		}
		if err := audit(ctx, st, c, "resend", sub.Email, ""); err != nil {
			return err
		}
		return seeOther(c, "/admin/subscribers/"+c.Param("id"), "desk.done.resent")
	}
}

// handleReaderChoices changes a reader's choices on their behalf, and says so
// in the audit log with what changed.
func handleReaderChoices(st interface {
	deskReaders
	auditor
}) echo.HandlerFunc {
	return func(c echo.Context) error {
		sub, err := readerOf(c, st)
		if err != nil {
			return err
		}
		form, _ := c.FormParams()
		sess, _ := sessionOf(c)
		// The consent history says the newsroom made this change, and who.
		p := store.Preferences{Countries: form["countries"], Frequency: c.FormValue("frequency"), Locale: c.FormValue("locale"),
			By: store.Consent{Method: store.ChannelAdmin, Source: "editors' desk: " + sess.Editor.Email}}
		if !slices.Contains(store.Frequencies, p.Frequency) || !slices.Contains(store.Locales, p.Locale) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "desk.reader.choices.invalid")
		}
		ctx := c.Request().Context()
		after, err := st.UpdatePreferences(ctx, sub.ID, p)
		if errors.Is(err, store.ErrInvalid) {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "desk.reader.choices.invalid")
		}
		if err != nil {
			return err
		}
		detail := choices(sub) + " → " + choices(after)
		if err := audit(ctx, st, c, "preferences", sub.Email, detail); err != nil {
			return err
		}
		return seeOther(c, "/admin/subscribers/"+c.Param("id"), "desk.done.choices")
	}
}

// choices sums up a reader's choices for the audit log: "kg,tj weekly fr".
func choices(s store.Subscriber) string {
	countries := strings.Join(s.Countries, ",")
	if countries == "" {
		countries = "all"
	}
	return countries + " " + s.Frequency + " " + s.Locale
}
