package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// csvPorter is what the import and export routes need of the store.
type csvPorter interface {
	ImportCSV(ctx context.Context, r io.Reader, opt store.ImportOptions, problem func(store.ImportProblem)) (store.ImportReport, error)
	ExportCSV(ctx context.Context, w io.Writer, status string) (int, error)
}

// maxReportedProblems bounds the lines an import answer lists: the counts by
// reason cover the rest, so a file of a million bad lines still answers small.
const maxReportedProblems = 1000

// importAnswer is the report of an import.
type importAnswer struct {
	store.ImportReport
	Problems          []store.ImportProblem `json:"problems"`
	ProblemsTruncated bool                  `json:"problems_truncated,omitempty"`
}

// handleImport reads a CSV list, as the request body or as the "file" part of a
// form upload, streaming it into the store. With ?confirmed=true the list is
// taken as already consented (and ?welcome=true sends each the welcome mail);
// otherwise each new address gets a confirmation mail.
func handleImport(log *slog.Logger, st csvPorter) echo.HandlerFunc {
	return func(c echo.Context) error {
		confirmed, err := strconv.ParseBool(orDefault(c.QueryParam("confirmed"), "false"))
		if err != nil {
			return badField(http.StatusBadRequest, "confirmed", "confirmed must be true or false")
		}
		welcome, err := strconv.ParseBool(orDefault(c.QueryParam("welcome"), "false"))
		if err != nil || (welcome && !confirmed) {
			return badField(http.StatusBadRequest, "welcome", "welcome must be true or false, and true only with confirmed=true")
		}
		body, err := csvBody(c)
		if err != nil {
			return err
		}
		// A long list takes longer than the server lets an ordinary request last.
		rc := http.NewResponseController(c.Response())
		rc.SetReadDeadline(time.Now().Add(time.Hour))
		rc.SetWriteDeadline(time.Now().Add(time.Hour))
		ans := importAnswer{Problems: []store.ImportProblem{}}
		opt := store.ImportOptions{Confirmed: confirmed, Welcome: welcome, Source: "admin API import"}
		ans.ImportReport, err = st.ImportCSV(c.Request().Context(), body, opt, func(p store.ImportProblem) {
			if len(ans.Problems) < maxReportedProblems {
				ans.Problems = append(ans.Problems, p)
			} else {
				ans.ProblemsTruncated = true
			}
		})
		if errors.Is(err, store.ErrInvalid) {
			return badField(http.StatusUnprocessableEntity, "file", "%s", cleanInvalid(err))
		}
		if err != nil {
			return err
		}
		log.Info("import", "rows", ans.Rows, "imported", ans.Imported, "skipped", ans.Skipped, "confirmed", confirmed)
		return c.JSON(http.StatusOK, ans)
	}
}

// csvBody is the uploaded file: the body itself, or the "file" part of a form.
func csvBody(c echo.Context) (io.Reader, error) {
	r := c.Request()
	if !strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		return r.Body, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "the multipart body cannot be read")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, badField(http.StatusUnprocessableEntity, "file", "the form has no part named file")
		}
		if err != nil {
			return nil, echo.NewHTTPError(http.StatusBadRequest, "the multipart body cannot be read")
		}
		if part.FormName() == "file" {
			return part, nil
		}
	}
}

// handleExport streams the list as CSV, the import's format: active subscribers
// by default, ?status= for others, ?status=all for everyone.
func handleExport(log *slog.Logger, st csvPorter) echo.HandlerFunc {
	return func(c echo.Context) error {
		status := orDefault(c.QueryParam("status"), store.StatusActive)
		if status == "all" {
			status = ""
		} else if !slices.Contains(store.Statuses, status) {
			return badField(http.StatusUnprocessableEntity, "status", "status must be pending, active, unsubscribed, bounced or all")
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="subscribers.csv"`)
		h.Set("Cache-Control", "no-store")
		http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(time.Hour))
		c.Response().WriteHeader(http.StatusOK)
		n, err := st.ExportCSV(c.Request().Context(), c.Response(), status)
		if err != nil {
			// The status is sent already: break the connection, so that the
			// client sees a failed download rather than a short list.
			log.Error("export interrupted", "rows", n, "err", err)
			panic(http.ErrAbortHandler)
		}
		log.Info("export", "rows", n, "status", orDefault(status, "all"))
		return nil
	}
}

// orDefault returns v, or def when v is empty.
func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// cleanInvalid is an ErrInvalid's message without the wrapping prefixes.
func cleanInvalid(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, store.ErrInvalid.Error()+": "); i >= 0 {
		return msg[i+len(store.ErrInvalid.Error())+2:]
	}
	return msg
}
