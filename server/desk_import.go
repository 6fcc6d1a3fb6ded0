package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// importPage is the data of /admin/import: the form, and after an upload its report.
type importPage struct {
	Done      bool
	File      string
	Confirmed bool
	Report    store.ImportReport
	Problems  []store.ImportProblem
	Truncated bool
	Problem   string // the file could not be read at all
	Statuses  []string
}

// handleImportPage shows the upload form and the export links.
func handleImportPage(d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		return d.page(c, http.StatusOK, "import", "desk.nav.import", "import", importPage{Statuses: store.Statuses})
	}
}

// handleDeskImport imports an uploaded CSV list and shows the report, line by line.
func handleDeskImport(st interface {
	csvPorter
	auditor
}, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := importPage{Done: true, Confirmed: c.FormValue("confirmed") == "1", Statuses: store.Statuses}
		fh, err := c.FormFile("file")
		if err != nil {
			p.Done, p.Problem = false, "desk.import.nofile"
			return d.page(c, http.StatusUnprocessableEntity, "import", "desk.nav.import", "import", p)
		}
		f, err := fh.Open()
		if err != nil {
			return fmt.Errorf("open upload: %w", err)
		}
		defer f.Close()
		p.File = fh.Filename
		rc := http.NewResponseController(c.Response())
		rc.SetReadDeadline(time.Now().Add(time.Hour))
		rc.SetWriteDeadline(time.Now().Add(time.Hour))
		ctx := c.Request().Context()
		opt := store.ImportOptions{Confirmed: p.Confirmed, Source: "desk import of " + fh.Filename}
		p.Report, err = st.ImportCSV(ctx, f, opt, func(pr store.ImportProblem) {
			if len(p.Problems) < maxReportedProblems {
				p.Problems = append(p.Problems, pr)
			} else {
				p.Truncated = true
			}
		})
		if errors.Is(err, store.ErrInvalid) {
			p.Done, p.Problem = false, cleanInvalid(err)
			return d.page(c, http.StatusUnprocessableEntity, "import", "desk.nav.import", "import", p)
		}
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("%s: %d rows, %d imported, %d skipped", fh.Filename, p.Report.Rows, p.Report.Imported, p.Report.Skipped)
		if err := audit(ctx, st, c, "import", "", detail); err != nil {
			return err
		}
		return d.page(c, http.StatusOK, "import", "desk.nav.import", "import", p)
	}
}

// handleDeskExport downloads the list as CSV (?status=, or all).
func handleDeskExport(st interface {
	csvPorter
	auditor
}) echo.HandlerFunc {
	return func(c echo.Context) error {
		status := c.QueryParam("status")
		if status == "all" {
			status = ""
		}
		if status != "" && !slices.Contains(store.Statuses, status) {
			return echo.NewHTTPError(http.StatusBadRequest, "desk.import.badstatus")
		}
		ctx := c.Request().Context()
		if err := audit(ctx, st, c, "export", "", orDefault(status, "all")); err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="subscribers-`+orDefault(status, "all")+`.csv"`)
		h.Set("Cache-Control", "no-store")
		c.Response().WriteHeader(http.StatusOK)
		_, err := st.ExportCSV(ctx, c.Response(), status)
		return err
	}
}
