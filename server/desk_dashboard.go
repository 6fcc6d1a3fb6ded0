package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// deskDashboard is what the dashboard reads.
type deskDashboard interface {
	Now() time.Time
	Stats(ctx context.Context, days int) (store.Stats, error)
	ByLocale(ctx context.Context) (map[string]int64, error)
	Deliverability(ctx context.Context, since time.Time) (store.Deliverability, error)
	Runs(ctx context.Context, limit int) ([]store.Run, error)
	Feeds(ctx context.Context) ([]store.Feed, error)
}

// NextRuns says when each frequency's digest is due next.
type NextRuns interface {
	Next(frequency string, now time.Time) (time.Time, error)
}

// The thresholds mailbox providers hold senders to: Gmail and Yahoo ask for
// spam complaints under 0.1 % and act at 0.3 %; hard bounces past 2 % are a
// list to clean, past 5 % a list that relays suspend.
const (
	complaintWarn, complaintDanger = 0.001, 0.003
	bounceWarn, bounceDanger       = 0.02, 0.05
)

// dashboardDays is the span of the chart; deliverabilityDays of the rates.
const (
	dashboardDays      = 90
	deliverabilityDays = 30
)

type dashboard struct {
	Stats          store.Stats
	ByLocale       map[string]int64
	Chart          chart
	ConfirmRate    float64 // confirmations per signup over the chart's days
	Deliv          store.Deliverability
	BounceLevel    string // ok, warn, danger
	ComplaintLevel string
	Next           []nextRun
	Runs           []store.Run
	FailingFeeds   []store.Feed
	Countries      []string
}

type nextRun struct {
	Frequency string
	At        time.Time
}

// level places a rate against its warn and danger thresholds.
func level(rate, warn, danger float64) string {
	switch {
	case rate >= danger:
		return "danger"
	case rate >= warn:
		return "warn"
	}
	return "ok"
}

// handleDashboard is the desk's front page: the list at a glance.
func handleDashboard(st deskDashboard, sched NextRuns, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		var db dashboard
		var err error
		if db.Stats, err = st.Stats(ctx, dashboardDays); err != nil {
			return err
		}
		if db.ByLocale, err = st.ByLocale(ctx); err != nil {
			return err
		}
		db.Chart = newChart(db.Stats.Days)
		var signups, confirms int64
		for _, day := range db.Stats.Days {
			signups, confirms = signups+day.Signups, confirms+day.Confirmations
		}
		if signups > 0 {
			db.ConfirmRate = float64(confirms) / float64(signups)
		}
		now := st.Now()
		if db.Deliv, err = st.Deliverability(ctx, now.AddDate(0, 0, -deliverabilityDays)); err != nil {
			return err
		}
		db.BounceLevel = level(db.Deliv.BounceRate(), bounceWarn, bounceDanger)
		db.ComplaintLevel = level(db.Deliv.ComplaintRate(), complaintWarn, complaintDanger)
		if sched != nil {
			for _, f := range store.Frequencies {
				if at, err := sched.Next(f, now); err == nil {
					db.Next = append(db.Next, nextRun{Frequency: f, At: at})
				}
			}
		}
		if db.Runs, err = st.Runs(ctx, 5); err != nil {
			return err
		}
		feeds, err := st.Feeds(ctx)
		if err != nil {
			return err
		}
		for _, f := range feeds {
			if f.Failing() {
				db.FailingFeeds = append(db.FailingFeeds, f)
			}
		}
		db.Countries = store.Countries
		return d.page(c, http.StatusOK, "dashboard", "desk.nav.dashboard", "dashboard", db)
	}
}
