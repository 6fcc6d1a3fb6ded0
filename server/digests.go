package server

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// digestStart is the body of POST /api/admin/digests.
type digestStart struct {
	Frequency string `json:"frequency"`
}

// handleStartDigest starts, in the background, the run of the current slot of
// a frequency: 202 with the run. The slot's run already done, or running
// elsewhere, is not started again: 200 with the run as it stands.
func handleStartDigest(d DigestStarter) echo.HandlerFunc {
	return func(c echo.Context) error {
		if d == nil {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "digests are not available in this process")
		}
		var in digestStart
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
		if !slices.Contains(store.Frequencies, in.Frequency) {
			return badField(http.StatusUnprocessableEntity, "frequency", "frequency must be daily or weekly")
		}
		run, started, err := d.Start(c.Request().Context(), in.Frequency)
		if err != nil {
			return err
		}
		if started {
			return c.JSON(http.StatusAccepted, map[string]any{"id": run.ID, "started": true, "run": run,
				"message": "the run started; GET /api/admin/digests shows its progress"})
		}
		msg := "this slot's run is done already: nothing to send"
		if run.Status == store.RunRunning {
			msg = "this slot's run is in progress in another process"
		}
		return c.JSON(http.StatusOK, map[string]any{"id": run.ID, "started": false, "run": run, "message": msg})
	}
}

// handleListDigests lists the latest runs with their counts (?limit=, at most 500).
func handleListDigests(d DigestStarter) echo.HandlerFunc {
	return func(c echo.Context) error {
		if d == nil {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "digests are not available in this process")
		}
		limit, _ := strconv.Atoi(c.QueryParam("limit"))
		runs, err := d.Runs(c.Request().Context(), limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"runs": runs})
	}
}
