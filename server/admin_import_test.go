package server_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

type importAnswer struct {
	store.ImportReport
	Problems []store.ImportProblem
}

func (env *leaveEnv) importCSV(t *testing.T, query, contentType string, body *bytes.Buffer) (*http.Response, string) {
	t.Helper()
	return env.do(t, "POST", "/api/admin/subscribers/import"+query, contentType, body,
		map[string]string{"Authorization": "Bearer " + adminToken})
}

// TestImportExportOverHTTP sends a list bigger than the admin API's usual 1 MB
// body limit, exports it back, and compares.
func TestImportExportOverHTTP(t *testing.T) {
	env := newLeaveEnv(t)
	var list bytes.Buffer
	list.WriteString("email,countries,frequency,locale\n")
	for i := range 40_000 {
		fmt.Fprintf(&list, "subscriber-number-%06d@example.org,kg tj,weekly,en\n", i)
	}
	want := list.String()
	resp, body := env.importCSV(t, "?confirmed=true", "text/csv", &list)
	ans := decode[importAnswer](t, body)
	if resp.StatusCode != 200 || ans.Imported != 40_000 || len(ans.Problems) != 0 || ans.MailsQueued != 0 {
		t.Fatalf("import: %d %.300s", resp.StatusCode, body)
	}
	resp, got := env.admin(t, "GET", "/api/admin/subscribers/export", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || got != want {
		t.Fatalf("export: %d %s, %d bytes, want %d", resp.StatusCode, resp.Header.Get("Content-Type"), len(got), len(want))
	}
	if _, pending := env.admin(t, "GET", "/api/admin/subscribers/export?status=pending", ""); pending != "email,countries,frequency,locale\n" {
		t.Fatalf("pending export: %q", pending)
	}
	if resp, body := env.admin(t, "GET", "/api/admin/subscribers/export?status=gone", ""); resp.StatusCode != 422 ||
		decode[apiErr](t, body).Error.Field != "status" {
		t.Fatalf("bad status: %d %s", resp.StatusCode, body)
	}
}

func TestImportUploadReportsLines(t *testing.T) {
	env := newLeaveEnv(t)
	env.active(t, "already@example.org")
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	w.WriteField("note", "an extra field comes first")
	f, _ := w.CreateFormFile("file", "list.csv")
	f.Write([]byte("email,countries\nnew@example.org,kz|kg\nalready@example.org,\nbroken,\n\xff\xfe@example.org,\n"))
	w.Close()
	resp, body := env.importCSV(t, "", w.FormDataContentType(), &form)
	ans := decode[importAnswer](t, body)
	if resp.StatusCode != 200 || ans.Imported != 1 || ans.MailsQueued != 1 || len(ans.Problems) != 3 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for i, want := range []struct {
		line   int
		reason string
	}{{3, "duplicate"}, {4, "invalid_email"}, {5, "bad_encoding"}} {
		if p := ans.Problems[i]; p.Line != want.line || p.Reason != want.reason {
			t.Errorf("problem %d: %+v, want line %d %s", i, p, want.line, want.reason)
		}
	}
	sub, err := env.store.SubscriberByEmail(t.Context(), "new@example.org")
	if err != nil || sub.Status != store.StatusPending || sub.Consent.Method != "import" {
		t.Fatalf("imported: %+v %v", sub, err)
	}
}

func TestImportRefusals(t *testing.T) {
	env := newLeaveEnv(t)
	tests := []struct {
		name, query, body string
		status            int
		field, says       string
	}{
		{"wrong header", "", "mail,pays\nana@example.org,kg\n", 422, "file", "email,countries,frequency,locale"},
		{"empty file", "", "", 422, "file", "email,countries,frequency,locale"},
		{"confirmed not a bool", "?confirmed=yes-please", "email\nana@example.org\n", 400, "confirmed", "true or false"},
	}
	for _, tt := range tests {
		resp, body := env.importCSV(t, tt.query, "text/csv", bytes.NewBufferString(tt.body))
		e := decode[apiErr](t, body)
		if resp.StatusCode != tt.status || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.says) {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, body)
		}
	}
	if page, _ := env.store.ListSubscribers(t.Context(), store.SubscriberFilter{}); len(page.Subscribers) != 0 {
		t.Fatalf("stored %d", len(page.Subscribers))
	}
}

// TestExportOverHTTPNeutralisesFormulasAndSaysStatus: the admin export
// neutralises formula cells and, for everyone, adds a status column.
func TestExportOverHTTPNeutralisesFormulasAndSaysStatus(t *testing.T) {
	env := newLeaveEnv(t)
	env.active(t, "=cmd|'/Ccalc'!A0@example.org")
	left := env.active(t, "left@example.org")
	env.store.Unsubscribe(context.Background(), left.ID, store.ChannelLink)
	_, got := env.admin(t, "GET", "/api/admin/subscribers/export", "")
	if got != "email,countries,frequency,locale\n'=cmd|'/Ccalc'!A0@example.org,,daily,en\n" {
		t.Fatalf("export: %q", got)
	}
	_, got = env.admin(t, "GET", "/api/admin/subscribers/export?status=all", "")
	if got != "email,countries,frequency,locale,status\n'=cmd|'/Ccalc'!A0@example.org,,daily,en,active\n"+
		"left@example.org,,daily,en,unsubscribed\n" {
		t.Fatalf("export of all: %q", got)
	}
}
