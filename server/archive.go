package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// Archive is the public archive of past editions (digest.Archive). Its
// editions carry their slot in the archive's time zone.
type Archive interface {
	List(ctx context.Context, page, perPage int) ([]store.Edition, bool, error)
	Edition(ctx context.Context, frequency, day, country string) (store.Edition, error)
	Recent(ctx context.Context, country string, n int) ([]store.Edition, error)
}

// editionsPerPage is how many editions a page of the archive lists.
const editionsPerPage = 20

var (
	missingEdition = templates.Message{Title: "archive.missing.title", Body: "archive.missing.body", Back: true}
	badArchiveURL  = templates.Message{Title: "badrequest.title", Body: "archive.bad.body", Back: true}
)

// handleArchive lists the editions, newest first, a page at a time.
func handleArchive(a Archive, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		loc := locale(c, "")
		page := 1
		if raw := c.QueryParam("page"); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || n > 10000 {
				return p.message(c, http.StatusBadRequest, badArchiveURL)
			}
			page = n
		}
		eds, more, err := a.List(c.Request().Context(), page, editionsPerPage)
		if err != nil {
			return err
		}
		list := templates.ArchiveList{FeedURL: "/archive.atom?lang=" + loc}
		for _, e := range eds {
			list.Editions = append(list.Editions, templates.ArchiveEntry{URL: editionPath(e) + "?lang=" + loc,
				Frequency: e.Frequency, Date: e.Slot, Articles: e.Articles})
		}
		if page > 1 {
			list.NewerURL = archivePage(loc, page-1)
		}
		if more {
			list.OlderURL = archivePage(loc, page+1)
		}
		return p.render(c, http.StatusOK, "archive", loc, "archive.title", list)
	}
}

func archivePage(loc string, page int) string {
	if page == 1 {
		return "/archive?lang=" + loc
	}
	return "/archive?lang=" + loc + "&page=" + strconv.Itoa(page)
}

// editionPath is where edition e is read: /archive/daily/2026-11-27.
func editionPath(e store.Edition) string {
	return "/archive/" + e.Frequency + "/" + e.Slot.Format(time.DateOnly)
}

// handleEdition shows one edition, its articles grouped by country;
// ?country=kg keeps what a reader of that country got.
func handleEdition(a Archive, p pageRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		loc := locale(c, "")
		country, ok := countryParam(c)
		if !ok {
			return p.message(c, http.StatusBadRequest, badArchiveURL)
		}
		e, err := a.Edition(c.Request().Context(), c.Param("frequency"), c.Param("day"), country)
		if errors.Is(err, store.ErrNotFound) {
			return p.message(c, http.StatusNotFound, missingEdition)
		}
		if err != nil {
			return err
		}
		page := editionPage(e, country)
		page.BackURL = "/archive?lang=" + loc
		page.FeedURL = feedPath(loc, country)
		return p.render(c, http.StatusOK, "edition", loc, "archive.title", page)
	}
}

// countryParam reads ?country=, which must be a known code or absent.
func countryParam(c echo.Context) (string, bool) {
	raw := c.QueryParam("country")
	if raw == "" {
		return "", true
	}
	codes, err := store.NormalizeCountries([]string{raw})
	if err != nil || len(codes) != 1 {
		return "", false
	}
	return codes[0], true
}

func feedPath(loc, country string) string {
	q := url.Values{"lang": {loc}}
	if country != "" {
		q.Set("country", country)
	}
	return "/archive.atom?" + q.Encode()
}

// editionPage lays edition e out by country, in Caravan's order, regional news
// last; an article about several countries is under each of them.
func editionPage(e store.Edition, country string) templates.EditionPage {
	page := templates.EditionPage{Frequency: e.Frequency, Date: e.Slot, All: store.Countries, Country: country,
		Action: editionPath(e)}
	for _, code := range append(slices.Clone(store.Countries), "") {
		g := templates.EditionGroup{Country: code}
		for _, a := range e.Items {
			if slices.Contains(a.Countries, code) || (code == "" && len(a.Countries) == 0) {
				g.Articles = append(g.Articles, templates.EditionArticle{Title: a.Title, URL: a.URL, Summary: a.Summary,
					Countries: a.Countries, Published: a.PublishedAt.In(e.Slot.Location()), Alert: a.Alert})
			}
		}
		if len(g.Articles) > 0 {
			page.Groups = append(page.Groups, g)
		}
	}
	return page
}
