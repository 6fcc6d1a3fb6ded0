package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
	"github.com/caravan-news/caravan/templates"
)

// TestAdminDigests starts a run through the API, on a real store, worker and
// outbox mailer, and watches it finish.
func TestAdminDigests(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var offset atomic.Int64 // the test moves the store's clock forward
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	st := storetest.Open(t, store.WithClock(now))
	tpl, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	links := store.NewSigner("test-secret", now)
	comp, err := digest.NewComposer("Newsletter <news@example.org>", "https://caravan.example.org", "Asie centrale", "", time.UTC, links, tpl)
	if err != nil {
		t.Fatal(err)
	}
	out, err := mailer.NewOutbox(mailer.Config{OutboxDir: filepath.Join(dir, "outbox")})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	runCtx, stop := context.WithCancel(ctx)
	launcher := digest.NewLauncher(runCtx, &digest.Worker{Store: st, Sender: out, Compose: comp, Workers: 2, Log: log},
		digest.Schedule{Daily: "0 7 * * *", Weekly: "0 7 * * 1", Location: time.UTC})
	t.Cleanup(func() { stop(); launcher.Wait() })
	e, err := server.New(server.Config{}, server.Deps{Log: log, Store: st, Pages: tpl, Links: links,
		Admin: tokenKey("admin-token"), Digests: launcher})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	res, err := st.Subscribe(ctx, store.Signup{Email: "ana@example.org", Frequency: "daily", Locale: "fr", Consent: store.Consent{Method: "api"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Confirm(ctx, res.SubscriberID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.UpsertArticles(ctx, 0, []store.ArticleInput{{URL: "https://news.example/a", Title: "A"}}); err != nil {
		t.Fatal(err)
	}
	offset.Add(int64(time.Minute))

	do := func(method, body, token string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/api/admin/digests", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if code, _ := do("POST", `{"frequency":"daily"}`, "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", code)
	}
	code, body := do("POST", `{"frequency":"hourly"}`, "admin-token")
	if errBody, _ := body["error"].(map[string]any); code != http.StatusUnprocessableEntity || errBody["field"] != "frequency" {
		t.Fatalf("bad frequency: %d %v", code, body)
	}
	if code, _ := do("POST", `{"frequency":`, "admin-token"); code != http.StatusBadRequest {
		t.Fatalf("bad JSON: %d", code)
	}
	code, body = do("POST", `{"frequency":"daily"}`, "admin-token")
	if code != http.StatusAccepted || body["started"] != true || body["id"] == nil {
		t.Fatalf("start: %d %v", code, body)
	}

	var run map[string]any
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		code, body = do("GET", "", "admin-token")
		runs, _ := body["runs"].([]any)
		if code != http.StatusOK || len(runs) != 1 {
			t.Fatalf("list: %d %v", code, body)
		}
		if run = runs[0].(map[string]any); run["status"] == store.RunDone {
			break
		}
	}
	if run["status"] != store.RunDone || run["sent"] != 1.0 || run["selected"] != 1.0 || run["frequency"] != "daily" {
		t.Fatalf("run = %v", run)
	}
	files, _ := os.ReadDir(filepath.Join(dir, "outbox"))
	if len(files) != 1 {
		t.Fatalf("outbox holds %d files, want 1", len(files))
	}
	code, body = do("POST", `{"frequency":"daily"}`, "admin-token")
	if code != http.StatusOK || body["started"] != false {
		t.Fatalf("same slot again: %d %v", code, body)
	}
}
