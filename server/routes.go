package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/caravan-news/caravan/templates"
)

// addRoutes is the whole HTTP surface of Caravan, in one place.
func addRoutes(e *echo.Echo, cfg Config, d Deps) {
	e.Use(middleware.Recover())
	e.Use(requestLog(d.Log))
	e.Use(securityHeaders(cfg.AllowedOrigins))

	pages := pageRenderer{pages: d.Pages, site: cfg.Site}
	public := e.Group("", middleware.BodyLimit("64K"), crossOrigin(cfg.AllowedOrigins))
	limited := rateLimit(cfg.RateLimit)

	public.GET("/", handleSignupPage(pages))
	public.GET("/embed", handleEmbed(pages, cfg.AllowedOrigins))
	public.POST("/subscribe", handleSubscribe(d.Log, d.Store, pages, cfg.AllowedOrigins), limited)
	public.GET("/thanks", handleThanks(pages))
	public.GET("/privacy", handlePrivacy(pages))

	public.GET("/confirm/:token", handleConfirmPage(d.Links, pages))
	public.POST("/confirm/:token", handleConfirm(d.Log, d.Store, d.Links, pages), limited)
	public.POST("/confirm/:token/resend", handleResend(d.Store, d.Links, pages), limited)

	// The admin API: bearer token on every route. Each resource adds its routes below.
	admin := e.Group("/api/admin", requireAdmin(d.Admin), middleware.BodyLimit("1M"))
	admin.POST("/articles", handleAddArticles(d.Store))
	admin.GET("/articles", handleListArticles(d.Store))
	admin.GET("/feeds", handleListFeeds(d.Store))

	e.GET("/healthz", handleHealth(d.Store))
	if d.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(d.Metrics))
	}
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServerFS(templates.Static()))))
}
