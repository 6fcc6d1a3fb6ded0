package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestDeskArticlesAddAndHide(t *testing.T) {
	env := newDeskEnv(t)
	b := env.browser(t)
	b.signIn()
	resp, body := b.post("/admin/articles", url.Values{"title": {""}, "url": {"not a url"}, "lang": {"en"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert" id="add-error"`) ||
		!strings.Contains(body, `value="not a url"`) {
		t.Fatalf("bad article: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = b.post("/admin/articles", url.Values{"title": {"Bichkek: new metro line"}, "url": {"https://news.example.org/metro"},
		"countries": {"kg"}, "published_at": {"2026-11-26T09:30"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	list, _ := env.store.DeskArticles(context.Background(), store.DeskArticleFilter{})
	if len(list) != 1 || list[0].Title != "Bichkek: new metro line" || list[0].Countries[0] != "kg" {
		t.Fatalf("stored: %+v", list)
	}
	if resp, _ := b.post("/admin/articles/"+itoa(list[0].ID)+"/hidden", url.Values{"hidden": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("hide: %d", resp.StatusCode)
	}
	_, body = b.get("/admin/articles?hidden=yes&lang=en")
	if !strings.Contains(body, "Bichkek: new metro line") || !strings.Contains(body, `<span class="badge hidden">hidden</span>`) {
		t.Fatalf("hidden list:\n%s", body)
	}
	if _, body = b.get("/admin/articles?hidden=no&lang=en"); strings.Contains(body, "Bichkek") {
		t.Fatal("a hidden article is listed as sent")
	}
	_, body = b.get("/admin/audit?lang=en")
	if !strings.Contains(body, "article hidden") || !strings.Contains(body, "article added") {
		t.Fatal("the audit log lacks the article actions")
	}
}

func TestDeskImportShowsEveryBadLineAndExportDownloads(t *testing.T) {
	env := newDeskEnv(t)
	b := env.browser(t)
	b.signIn()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf)
	mw.WriteField("lang", "en")
	mw.WriteField("confirmed", "1")
	fw, _ := mw.CreateFormFile("file", "list.csv")
	fw.Write([]byte("email,countries,frequency,locale\nana@example.org,kg,daily,fr\nnot-an-address,,daily,fr\nbob@example.org,xx,daily,fr\nana@example.org,,weekly,en\n"))
	mw.Close()
	req, _ := http.NewRequest("POST", env.srv.URL+"/admin/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", env.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, body := b.do(req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"4 lines read: 1 imported, 3 skipped.", `<td class="num">3</td><td class="addr">not-an-address</td>`,
		`<td class="num">4</td>`, `<td class="num">5</td><td class="addr">ana@example.org</td><td>duplicate</td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("import report lacks %q", want)
		}
	}
	resp, body = b.get("/admin/export?status=all")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(body, "ana@example.org") {
		t.Fatalf("export: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
