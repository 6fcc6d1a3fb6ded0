package server

import (
	"context"
	"io"
	"net/http"
	"strconv"

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
	Articles(ctx context.Context, limit int) ([]store.Article, error)
	Feeds(ctx context.Context) ([]store.Feed, error)
}

// handleListArticles lists the newest articles (?limit=, at most 1000).
func handleListArticles(st articleLister) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit, _ := strconv.Atoi(c.QueryParam("limit"))
		list, err := st.Articles(c.Request().Context(), limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"articles": list})
	}
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
