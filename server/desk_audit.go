package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/store"
)

// auditor writes and reads the audit log.
type auditor interface {
	Audit(ctx context.Context, e store.AuditEntry) error
	AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
}

// auditPage is the data of /admin/audit.
type auditPage struct {
	Entries []store.AuditEntry
	Next    string // cursor of the next (older) page, "" on the last
}

const auditPageSize = 100

// handleAuditPage lists the audit log, newest first, a page at a time (?before=).
func handleAuditPage(st auditor, d deskRenderer) echo.HandlerFunc {
	return func(c echo.Context) error {
		before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
		entries, err := st.AuditLog(c.Request().Context(), store.AuditFilter{Before: before, Limit: auditPageSize + 1})
		if err != nil {
			return err
		}
		p := auditPage{Entries: entries}
		if len(entries) > auditPageSize {
			p.Entries = entries[:auditPageSize]
			p.Next = strconv.FormatInt(p.Entries[auditPageSize-1].ID, 10)
		}
		return d.page(c, http.StatusOK, "audit", "desk.audit.title", "audit", p)
	}
}
