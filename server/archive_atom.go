package server

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// feedEntries is how many editions the Atom feed carries.
const feedEntries = 20

// The Atom feed of the archive (RFC 4287): one entry per edition.
type (
	atomFeed struct {
		XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
		Lang    string      `xml:"xml:lang,attr"`
		ID      string      `xml:"id"`
		Title   string      `xml:"title"`
		Updated string      `xml:"updated"`
		Links   []atomLink  `xml:"link"`
		Author  atomPerson  `xml:"author"`
		Entries []atomEntry `xml:"entry"`
	}
	atomLink struct {
		Rel  string `xml:"rel,attr"`
		Type string `xml:"type,attr,omitempty"`
		Href string `xml:"href,attr"`
	}
	atomPerson struct {
		Name string `xml:"name"`
	}
	atomEntry struct {
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Link    atomLink `xml:"link"`
		Summary string   `xml:"summary"`
		Content atomText `xml:"content"`
	}
	atomText struct {
		Type string `xml:"type,attr"`
		Body string `xml:",chardata"`
	}
)

// handleArchiveFeed serves the Atom feed of the latest editions; ?country=kg
// keeps the editions with news about that country, and only that news.
func handleArchiveFeed(a Archive, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		loc := locale(c, "")
		country, ok := countryParam(c)
		if !ok {
			return p.message(c, http.StatusBadRequest, badArchiveURL)
		}
		eds, err := a.Recent(c.Request().Context(), country, feedEntries)
		if err != nil {
			return err
		}
		base := strings.TrimSuffix(p.site.BaseURL, "/")
		self := base + feedPath(loc, country)
		title := templates.Tf(loc, "archive.feed.title", p.site.Name)
		if country != "" {
			title += " · " + templates.CountryName(loc, country)
		}
		f := atomFeed{Lang: loc, ID: self, Title: title, Updated: time.Now().UTC().Format(time.RFC3339),
			Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: base + "/archive?lang=" + loc}},
			Author: atomPerson{Name: p.site.Name}}
		for i, e := range eds {
			if i == 0 {
				f.Updated = e.Until.UTC().Format(time.RFC3339)
			}
			entry, err := atomEntryOf(p, base, loc, country, e)
			if err != nil {
				return err
			}
			f.Entries = append(f.Entries, entry)
		}
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		if err := xml.NewEncoder(&buf).Encode(f); err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.Blob(http.StatusOK, "application/atom+xml; charset=utf-8", buf.Bytes())
	}
}

// atomEntryOf is edition e as a feed entry: its articles as an HTML list.
func atomEntryOf(p pageRenderer, base, loc, country string, e store.Edition) (atomEntry, error) {
	u := base + editionPath(e)
	link := u + "?lang=" + loc
	if country != "" {
		link += "&country=" + country
	}
	var content bytes.Buffer
	if err := p.pages.Fragment(&content, "edition", "feedentry", templates.Page{Locale: loc, Site: p.site,
		Data: editionPage(e, country)}); err != nil {
		return atomEntry{}, err
	}
	n := len(e.Items)
	count := templates.Tf(loc, "archive.articles.many", n)
	if n == 1 {
		count = templates.T(loc, "archive.articles.one")
	}
	return atomEntry{ID: u, Title: templates.Tf(loc, "archive.edition", templates.T(loc, "archive."+e.Frequency),
		templates.Date(loc, e.Slot)), Updated: e.Until.UTC().Format(time.RFC3339),
		Link: atomLink{Rel: "alternate", Type: "text/html", Href: link}, Summary: count,
		Content: atomText{Type: "html", Body: content.String()}}, nil
}
