package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

type articleAdder interface {
	AddArticles(ctx context.Context, items []store.ArticleInput) (store.AddResult, error)
}

// handleAddArticles stores one article or an array of them. Bad items are
// reported by index with a 422; the good ones are stored all the same.
func handleAddArticles(st articleAdder) echo.HandlerFunc {
	return func(c echo.Context) error {
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "request body too large or unreadable")
		}
		items, err := store.DecodeArticles(body)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		res, err := st.AddArticles(c.Request().Context(), items)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if len(res.Rejected) > 0 {
			status = http.StatusUnprocessableEntity
		}
		return c.JSON(status, res)
	}
}

type articleLister interface {
	FindArticles(ctx context.Context, f store.ArticleFilter) ([]store.Article, error)
	Feeds(ctx context.Context) ([]store.Feed, error)
}

// handleListArticles lists the newest articles (?limit=, at most 1000),
// filtered by ?country= (a code or a name), ?lang= and ?since= (RFC 3339 or
// YYYY-MM-DD).
func handleListArticles(st articleLister) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := articleFilter(c)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		list, err := st.FindArticles(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"articles": list})
	}
}

func articleFilter(c echo.Context) (store.ArticleFilter, error) {
	var f store.ArticleFilter
	f.Limit, _ = strconv.Atoi(c.QueryParam("limit"))
	if v := c.QueryParam("country"); v != "" {
		codes, err := store.NormalizeCountries([]string{v})
		if err != nil || len(codes) != 1 {
			return f, fmt.Errorf("country: want one of kz, kg, uz, tj, tm (or its name), got %q", v)
		}
		f.Country = codes[0]
	}
	lang, err := store.NormalizeLang(c.QueryParam("lang"))
	if err != nil {
		return f, errors.New("lang: want a language code such as fr or en")
	}
	f.Lang = lang
	if v := c.QueryParam("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t, err = time.Parse(time.DateOnly, v)
		}
		if err != nil {
			return f, fmt.Errorf("since: want a time such as 2026-12-01 or 2026-12-01T07:00:00Z, got %q", v)
		}
		f.Since = t
	}
	return f, nil
}

// handleListFeeds shows each feed with its last success and last error.
func handleListFeeds(st articleLister) echo.HandlerFunc {
	return func(c echo.Context) error {
		list, err := st.Feeds(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"feeds": list})
	}
}
