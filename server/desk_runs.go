package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// deskRuns is what the runs' pages need of the store.
type deskRuns interface {
	Runs(ctx context.Context, limit int) ([]store.Run, error)
	RunProgress(ctx context.Context, id int64) (store.RunProgress, error)
	DueCount(ctx context.Context, frequency string) (int, error)
}

// runRefresh is how often a running run's page reloads itself.
const runRefresh = 2

var errNoDigests = echo.NewHTTPError(http.StatusServiceUnavailable, "desk.runs.unavailable")

// handleRunsPage lists the latest runs with their counts, and offers to start one.
func handleRunsPage(st deskRuns, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		runs, err := st.Runs(c.Request().Context(), 100)
		if err != nil {
			return err
		}
		return d.page(c, http.StatusOK, "runs", "desk.nav.runs", "runs", runs)
	}
}

// runView is one run's page: its progress, in the terms an editor reads.
type runView struct {
	store.RunProgress
	Done     int     // subscribers with a final outcome: sent, nothing new, or failed for good
	Total    int     // Done and Remaining
	Percent  int     // of Total done
	Rate     float64 // subscribers per second so far
	TimeLeft time.Duration
	Live     bool // running: the page reloads itself
}

// RateText is the rate, one decimal.
func (v runView) RateText() string { return strconv.FormatFloat(v.Rate, 'f', 1, 64) }

// TimeLeftText is the time left, rounded to the second.
func (v runView) TimeLeftText() string { return v.TimeLeft.Round(time.Second).String() }

func newRunView(p store.RunProgress) runView {
	r := p.Run
	v := runView{RunProgress: p, Done: r.Sent + r.SkippedEmpty + r.FailedPerm, Live: r.Status == store.RunRunning}
	v.Total = v.Done + p.Remaining
	if v.Total > 0 {
		v.Percent = v.Done * 100 / v.Total
	} else if r.Status == store.RunDone {
		v.Percent = 100
	}
	if secs := float64(r.DurationMS) / 1000; secs > 0 {
		v.Rate = float64(v.Done) / secs
	}
	if v.Live && v.Rate > 0 {
		v.TimeLeft = time.Duration(float64(p.Remaining) / v.Rate * float64(time.Second))
	}
	return v
}

// handleRunPage shows one run's progress. While it runs, the page reloads
// itself every runRefresh seconds (a meta refresh: no script needed).
func handleRunPage(st deskRuns, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
		p, err := st.RunProgress(c.Request().Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "desk.err.notfound")
		}
		if err != nil {
			return err
		}
		v := newRunView(p)
		if v.Live {
			c.Set(refreshKey, runRefresh)
		}
		return d.page(c, http.StatusOK, "run", "desk.run.title", "runs", v)
	}
}

// startView is the confirmation step before a run starts.
type startView struct {
	Frequency string
	Due       int
}

// handleStartRunPage asks the editor to confirm the run of a frequency.
func handleStartRunPage(st deskRuns, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := c.QueryParam("frequency")
		if !slices.Contains(store.Frequencies, f) {
			return echo.NewHTTPError(http.StatusBadRequest, "desk.runs.badfrequency")
		}
		due, err := st.DueCount(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return d.page(c, http.StatusOK, "runstart", "desk.runs.start.title", "runs", startView{Frequency: f, Due: due})
	}
}

// handleStartRun starts the run of the frequency's current slot, then shows
// its page: the run started now, or the one that already stands for the slot.
func handleStartRun(dg DigestStarter, st auditor) echo.HandlerFunc {
	return func(c echo.Context) error {
		if dg == nil {
			return errNoDigests
		}
		f := c.FormValue("frequency")
		if !slices.Contains(store.Frequencies, f) {
			return echo.NewHTTPError(http.StatusBadRequest, "desk.runs.badfrequency")
		}
		ctx := c.Request().Context()
		run, started, err := dg.Start(ctx, f)
		if err != nil {
			return err
		}
		done := "desk.done.runstarted"
		if !started {
			done = "desk.done.runexists"
		} else if err := audit(ctx, st, c, "run.start", "run "+strconv.FormatInt(run.ID, 10), f); err != nil {
			return err
		}
		return seeOther(c, "/admin/runs/"+strconv.FormatInt(run.ID, 10), done)
	}
}
