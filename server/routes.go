package server

import (
	"net/http"
	"strings"

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
	public := e.Group("", middleware.BodyLimit("64K"), crossOrigin(d.Log, cfg.AllowedOrigins))
	limited := rateLimit(cfg.RateLimit)

	page(public, "/", handleSignupPage(pages, cfg.AllowedOrigins))
	page(public, "/embed", handleEmbed(pages, cfg.AllowedOrigins))
	public.POST("/subscribe", handleSubscribe(d.Log, d.Store, pages, cfg.AllowedOrigins), limited)
	page(public, "/thanks", handleThanks(pages))
	page(public, "/privacy", handlePrivacy(pages))
	page(public, "/manage", handleManagePage(pages))
	public.POST("/manage", handleManage(d.Log, d.Store, pages), limited)
	if d.Archive != nil { // off: these pages do not exist
		public.GET("/archive", handleArchive(d.Archive, pages))
		public.GET("/archive/:frequency/:day", handleEdition(d.Archive, pages))
		public.GET("/archive.atom", handleArchiveFeed(d.Archive, pages))
	}
	if d.Viewer != nil {
		public.GET("/view/:token", handleView(d.Viewer, pages))
	}

	page(public, "/confirm/:token", handleConfirmPage(d.Links, pages))
	public.POST("/confirm/:token", handleConfirm(d.Log, d.Store, d.Links, pages), limited)
	public.POST("/confirm/:token/resend", handleResend(d.Store, d.Links, pages), limited)

	page(public, "/unsubscribe/:token", handleUnsubscribePage(d.Store, d.Links, pages))
	page(public, "/preferences/:token", handlePreferencesPage(d.Store, d.Links, pages))
	public.POST("/preferences/:token", handlePreferences(d.Log, d.Store, d.Links, pages), limited)
	public.POST("/preferences/:token/resubscribe", handleResubscribe(d.Log, d.Store, d.Links, pages), limited)
	// One-click unsubscribe (RFC 8058): mail clients POST here cross-site, with no
	// cookie and from no page, so this route stays outside the cross-origin guard
	// and the rate limit; the signed token alone authorizes it.
	e.POST("/unsubscribe/:token", handleUnsubscribe(d.Log, d.Store, d.Links, pages), middleware.BodyLimit("64K"))

	// The admin API: bearer token on every route. Each resource adds its routes below.
	admin := e.Group("/api/admin", requireAdmin(d.Admin), middleware.BodyLimit("1M"))
	admin.POST("/articles", handleAddArticles(d.Store))
	admin.GET("/articles", handleListArticles(d.Store))
	admin.GET("/feeds", handleListFeeds(d.Store))
	admin.POST("/unsubscribe", handleAdminUnsubscribe(d.Log, d.Store))
	admin.GET("/subscribers", handleListSubscribers(d.Store))
	admin.GET("/subscribers/export", handleExport(d.Log, d.Store))
	admin.GET("/subscribers/:email", handleGetSubscriber(d.Store))
	admin.DELETE("/subscribers/:email", handleEraseSubscriber(d.Log, d.Store))
	admin.POST("/bounces", handleBounce(d.Log, d.Store))
	// The relays' own webhooks: the admin token as a bearer or as the basic-auth
	// password of the webhook URL (relays cannot all send headers), then the relay's signature.
	relay := []echo.MiddlewareFunc{requireRelay(d.Admin), middleware.BodyLimit("1M")}
	e.POST("/api/admin/bounces/ses", handleSES(d.Log, d.Store, d.Relays.SNS), relay...)
	e.POST("/api/admin/bounces/postmark", handleRelay(d.Log, d.Store, "postmark", postmarkEvents), relay...)
	e.POST("/api/admin/bounces/mailgun", handleRelay(d.Log, d.Store, "mailgun", d.Relays.mailgunEvents), relay...)
	e.POST("/api/admin/bounces/sendgrid", handleRelay(d.Log, d.Store, "sendgrid", d.Relays.sendgridEvents), relay...)
	admin.GET("/suppressions", handleListSuppressions(d.Store))
	admin.DELETE("/suppressions/:email", handleLiftSuppression(d.Log, d.Store))
	admin.GET("/stats", handleStats(d.Store))
	admin.GET("/webhooks", handleListWebhooks(d.Store))
	// A list to import is bigger than the group's body limit allows: same bearer check, its own limit.
	e.POST("/api/admin/subscribers/import", handleImport(d.Log, d.Store), requireAdmin(d.Admin), middleware.BodyLimit("200M"))
	admin.POST("/digests", handleStartDigest(d.Digests))
	admin.GET("/digests", handleListDigests(d.Digests))

	// The editors' desk (desk_*.go): sign-in, then pages for editors with a session.
	k := cookies{secure: strings.HasPrefix(strings.ToLower(cfg.BaseURL), "https://")}
	dr := deskRenderer{pages: d.Pages, site: cfg.Site, zone: d.Desk.Zone}
	e.GET("/admin/login", handleLoginPage(dr, k), deskHeaders)
	e.POST("/admin/login", handleLogin(d.Store, dr, k), deskHeaders, middleware.BodyLimit("64K"))
	desk := e.Group("/admin", deskHeaders, deskBodyLimit(), requireEditor(d.Store, k))
	desk.POST("/logout", handleLogout(d.Store, k))
	desk.GET("", handleDashboard(d.Store, d.Desk.Schedule, dr))
	desk.GET("/subscribers", handleReadersPage(d.Store, dr))
	desk.GET("/subscribers/:id", handleReaderPage(d.Store, dr))
	desk.POST("/subscribers/:id/unsubscribe", handleReaderUnsubscribe(d.Store))
	desk.POST("/subscribers/:id/erase", handleReaderErase(d.Store))
	desk.POST("/subscribers/:id/resend", handleReaderResend(d.Store))
	desk.POST("/subscribers/:id/choices", handleReaderChoices(d.Store))
	desk.GET("/runs", handleRunsPage(d.Store, dr))
	desk.GET("/runs/new", handleStartRunPage(d.Store, dr))
	desk.POST("/runs", handleStartRun(d.Digests, d.Store))
	desk.GET("/runs/:id", handleRunPage(d.Store, dr))
	desk.GET("/preview", handlePreviewPage(d.Desk.Preview, dr))
	desk.GET("/preview/mail", handlePreviewMail(d.Desk.Preview))
	desk.POST("/preview/test", handleSendTest(d.Desk.Preview, d.Store))
	desk.GET("/articles", handleArticlesPage(d.Store, dr))
	desk.POST("/articles", handleAddArticle(d.Store, dr))
	desk.POST("/articles/:id/hidden", handleHideArticle(d.Store))
	desk.GET("/feeds", handleFeedsPage(d.Store, d.Desk.Poller, dr))
	desk.POST("/feeds/poll", handlePollFeeds(d.Desk.Poller, d.Store))
	desk.GET("/import", handleImportPage(dr))
	desk.POST("/import", handleDeskImport(d.Store, dr))
	desk.GET("/export", handleDeskExport(d.Store))
	desk.GET("/audit", handleAuditPage(d.Store, dr))

	e.GET("/healthz", handleHealth(d.Store))
	if d.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(d.Metrics))
	}
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServerFS(templates.Static()))))
}

// page routes GET and HEAD of a public page to h. Monitors and link checkers
// ask with HEAD; a page's GET changes nothing, and net/http sends no body in
// answer to a HEAD, so the same handler answers both.
func page(g *echo.Group, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	g.GET(path, h, m...)
	g.HEAD(path, h, m...)
}
