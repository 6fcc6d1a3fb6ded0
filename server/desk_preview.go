package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// Choices are what a digest is made for: countries (none: all), frequency, language.
type Choices struct {
	Countries []string
	Frequency string
	Locale    string
}

// DigestPreview is a digest as its reader would get it now. Total 0: nothing
// new, no mail would go.
type DigestPreview struct {
	Subject, Text, HTML string
	Listed, Total       int
	From, Until         time.Time
}

// Previewer renders digests without sending them, and sends test digests.
type Previewer interface {
	// PreviewReader is the digest the reader of email would get now.
	PreviewReader(ctx context.Context, email string) (DigestPreview, error)
	// PreviewChoices is the digest a reader with these choices would get now,
	// listing what arrived over one period of the frequency.
	PreviewChoices(ctx context.Context, c Choices) (DigestPreview, error)
	// SendTest sends that digest to the address to, through the relay, as a test.
	SendTest(ctx context.Context, to string, c Choices) (DigestPreview, error)
}

// previewForm is what the preview page was asked for.
type previewForm struct {
	Email     string // a reader's address; else the choices below
	Choices   Choices
	All       []string
	Locales   []string
	Preview   DigestPreview
	Query     string // the form as a query string, for the mail's own frame
	Problem   string // catalogue key
	Available bool   // a previewer is wired in
}

// readPreviewForm reads the choices from the query or the posted form.
func readPreviewForm(c echo.Context) (previewForm, error) {
	vals, err := c.FormParams()
	if err != nil {
		vals = c.QueryParams()
	}
	f := previewForm{Email: strings.TrimSpace(vals.Get("email")), All: store.Countries, Locales: store.Locales,
		Choices: Choices{Frequency: vals.Get("frequency"), Locale: vals.Get("locale")}}
	if f.Choices.Frequency == "" {
		f.Choices.Frequency = "daily"
	}
	if f.Choices.Locale == "" {
		f.Choices.Locale = "fr"
	}
	countries, err := store.NormalizeCountries(vals["countries"])
	if err != nil || !slices.Contains(store.Frequencies, f.Choices.Frequency) || !slices.Contains(store.Locales, f.Choices.Locale) {
		return f, echo.NewHTTPError(http.StatusBadRequest, "desk.preview.invalid")
	}
	f.Choices.Countries = countries
	q := url.Values{"frequency": {f.Choices.Frequency}, "locale": {f.Choices.Locale}, "countries": countries}
	if f.Email != "" {
		q.Set("email", f.Email)
	}
	f.Query = q.Encode()
	return f, nil
}

// preview renders what the form asks for: the reader's digest, or the choices'.
func (f *previewForm) preview(ctx context.Context, p Previewer) error {
	var err error
	if f.Email != "" {
		f.Preview, err = p.PreviewReader(ctx, f.Email)
	} else {
		f.Preview, err = p.PreviewChoices(ctx, f.Choices)
	}
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "desk.preview.noreader")
	}
	return err
}

// handlePreviewPage shows the form, and the digest's subject, text and HTML.
func handlePreviewPage(p Previewer, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := readPreviewForm(c)
		if err != nil {
			return err
		}
		f.Available = p != nil
		status := http.StatusOK
		if p != nil {
			if err := f.preview(c.Request().Context(), p); err != nil {
				var he *echo.HTTPError
				if !errors.As(err, &he) {
					return err
				}
				f.Problem, status = he.Message.(string), he.Code
			}
		}
		return d.page(c, status, "preview", "desk.nav.preview", "preview", f)
	}
}

// handlePreviewMail answers the HTML of the digest itself, for the preview
// page's frame: framed by the desk only, with no script, no form, and only
// the images the mail itself carries.
func handlePreviewMail(p Previewer) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p == nil {
			return errNoDigests
		}
		f, err := readPreviewForm(c)
		if err != nil {
			return err
		}
		if err := f.preview(c.Request().Context(), p); err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "+
			"form-action 'none'; base-uri 'none'; frame-ancestors 'self'")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		h.Set("Cache-Control", "no-store")
		return c.HTML(http.StatusOK, f.Preview.HTML)
	}
}

// handleSendTest sends the previewed digest, as a test, to the editor's own
// address (or the one they typed) through the configured relay.
func handleSendTest(p Previewer, st interface {
	auditor
	deskReaders
}) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p == nil {
			return errNoDigests
		}
		f, err := readPreviewForm(c)
		if err != nil {
			return err
		}
		sess, _ := sessionOf(c)
		to := strings.TrimSpace(c.FormValue("to"))
		if to == "" {
			to = sess.Editor.Email
		}
		if to, err = store.NormalizeEmail(to); err != nil {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "desk.preview.badto")
		}
		ctx := c.Request().Context()
		choices := f.Choices
		if f.Email != "" { // the reader's own choices
			sub, err := st.SubscriberByEmail(ctx, f.Email)
			if errors.Is(err, store.ErrNotFound) {
				return echo.NewHTTPError(http.StatusNotFound, "desk.preview.noreader")
			}
			if err != nil {
				return err
			}
			choices = Choices{Countries: sub.Countries, Frequency: sub.Frequency, Locale: sub.Locale}
		}
		sent, err := p.SendTest(ctx, to, choices)
		if err != nil {
			return err
		}
		done := "desk.done.testsent"
		if sent.Total == 0 {
			done = "desk.done.testempty"
		}
		if err := audit(ctx, st, c, "test.send", to, f.Query); err != nil {
			return err
		}
		return seeOther(c, "/admin/preview?"+f.Query, done)
	}
}
