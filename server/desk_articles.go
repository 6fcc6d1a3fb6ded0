package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// deskArticles is what the articles' and feeds' pages need of the store.
type deskArticles interface {
	DeskArticles(ctx context.Context, f store.DeskArticleFilter) ([]store.DeskArticle, error)
	HideArticle(ctx context.Context, id int64, hidden bool) (store.Article, error)
	AddArticles(ctx context.Context, items []store.ArticleInput) (store.AddResult, error)
	Feeds(ctx context.Context) ([]store.Feed, error)
}

// articlesPage is the data of /admin/articles.
type articlesPage struct {
	Filter    store.DeskArticleFilter
	Articles  []store.DeskArticle
	Countries []string
	Form      articleForm
}

// articleForm is the "add an article" form, as typed, with its problem.
type articleForm struct {
	Title, URL, Summary string
	Countries           []string
	Problem             string
}

func articlesList(c echo.Context, st deskArticles, d deskRenderer, status int, form articleForm) error {
	f := store.DeskArticleFilter{Country: c.QueryParam("country"), Query: strings.TrimSpace(c.QueryParam("q")),
		Hidden: c.QueryParam("hidden")}
	list, err := st.DeskArticles(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return d.page(c, status, "articles", "desk.nav.articles", "articles",
		articlesPage{Filter: f, Articles: list, Countries: store.Countries, Form: form})
}

// handleArticlesPage lists articles, filtered by country, title and whether hidden.
func handleArticlesPage(st deskArticles, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error { return articlesList(c, st, d, http.StatusOK, articleForm{}) }
}

// handleAddArticle adds one article by hand, as the admin API would; a bad
// field shows the form again with what was typed.
func handleAddArticle(st interface {
	deskArticles
	auditor
}, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		form, _ := c.FormParams()
		in := store.ArticleInput{Title: strings.TrimSpace(form.Get("title")), URL: strings.TrimSpace(form.Get("url")),
			Summary: strings.TrimSpace(form.Get("summary")), Countries: form["countries"]}
		if v := form.Get("published_at"); v != "" {
			t, err := time.ParseInLocation("2006-01-02T15:04", v, d.zoneOrUTC())
			if err != nil {
				return articlesList(c, st, d, http.StatusUnprocessableEntity, articleForm{Title: in.Title, URL: in.URL,
					Summary: in.Summary, Countries: in.Countries, Problem: "published_at: not a date and time"})
			}
			in.PublishedAt = t
		}
		ctx := c.Request().Context()
		res, err := st.AddArticles(ctx, []store.ArticleInput{in})
		if err != nil {
			return err
		}
		if len(res.Rejected) > 0 {
			return articlesList(c, st, d, http.StatusUnprocessableEntity, articleForm{Title: in.Title, URL: in.URL,
				Summary: in.Summary, Countries: in.Countries, Problem: res.Rejected[0].Reason})
		}
		if err := audit(ctx, st, c, "article.add", in.URL, in.Title); err != nil {
			return err
		}
		return seeOther(c, "/admin/articles", "desk.done.articleadded")
	}
}

// handleHideArticle hides an article from the digests to come (hidden=1), or shows it again.
func handleHideArticle(st interface {
	deskArticles
	auditor
}) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
		hide := c.FormValue("hidden") == "1"
		ctx := c.Request().Context()
		a, err := st.HideArticle(ctx, id, hide)
		if errors.Is(err, store.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "desk.err.notfound")
		}
		if err != nil {
			return err
		}
		action, done := "article.show", "desk.done.articleshown"
		if hide {
			action, done = "article.hide", "desk.done.articlehidden"
		}
		if err := audit(ctx, st, c, action, a.URL, a.Title); err != nil {
			return err
		}
		return seeOther(c, "/admin/articles", done)
	}
}

func (d deskRenderer) zoneOrUTC() *time.Location {
	if d.zone == nil {
		return time.UTC
	}
	return d.zone
}

// FeedPoller polls every feed now; it says how many new articles came.
type FeedPoller interface {
	PollNow(ctx context.Context) (newArticles int, err error)
}

// feedsPage is the data of /admin/feeds.
type feedsPage struct {
	Feeds    []store.Feed
	CanPoll  bool
	Articles int // new articles of the last poll, shown after "poll now"
}

// handleFeedsPage lists the feeds with their last success and last error.
func handleFeedsPage(st deskArticles, p FeedPoller, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		feeds, err := st.Feeds(c.Request().Context())
		if err != nil {
			return err
		}
		return d.page(c, http.StatusOK, "feeds", "desk.nav.feeds", "feeds", feedsPage{Feeds: feeds, CanPoll: p != nil})
	}
}

// handlePollFeeds polls every feed now, then shows the feeds.
func handlePollFeeds(p FeedPoller, st auditor) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p == nil {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "desk.feeds.nofeeds")
		}
		ctx := c.Request().Context()
		n, err := p.PollNow(ctx)
		if err != nil {
			return err
		}
		if err := audit(ctx, st, c, "feeds.poll", "", strconv.Itoa(n)); err != nil {
			return err
		}
		return seeOther(c, "/admin/feeds", "desk.done.polled")
	}
}
