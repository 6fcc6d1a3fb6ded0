package server

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/templates"
)

// pageRenderer renders pages with the site's settings.
type pageRenderer struct {
	pages *templates.Set
	site  templates.Site
}

func (p pageRenderer) render(c echo.Context, status int, name, locale, title string, data any) error {
	var buf bytes.Buffer
	page := templates.Page{Locale: locale, Title: title, Site: p.site, Data: data}
	if err := p.pages.Page(&buf, name, page); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

func (p pageRenderer) message(c echo.Context, status int, m templates.Message) error {
	return p.render(c, status, "message", locale(c, ""), m.Title, m)
}

// locale picks the page language: ?lang=, then the form's lang field, then
// Accept-Language, then French, the site's language.
func locale(c echo.Context, formLang string) string {
	for _, l := range []string{c.QueryParam("lang"), formLang} {
		if l == "fr" || l == "en" {
			return l
		}
	}
	for _, part := range strings.Split(c.Request().Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "fr"):
			return "fr"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "fr"
}

// handlePrivacy shows the privacy notice the form links to.
func handlePrivacy(p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		return p.render(c, http.StatusOK, "privacy", locale(c, ""), "privacy.title", nil)
	}
}
