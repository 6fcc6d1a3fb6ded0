package server_test

import (
	"context"
	"crypto/subtle"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
	"github.com/caravan-news/caravan/templates"
)

const adminToken = "cvn_test-admin-token"

// testKey checks the admin token as the real one does: in constant time.
type testKey string

func (k testKey) Check(token string) bool {
	return subtle.ConstantTimeCompare([]byte(token), []byte(k)) == 1
}

// testClock is a settable time source.
type testClock = storetest.Clock

// leaveEnv is the real server, with the admin API and /metrics, on a real
// SQLite file and the real templates.
type leaveEnv struct {
	echo  *echo.Echo
	srv   *httptest.Server
	store *store.Store
	links *store.Signer
	clock *testClock
}

func newLeaveEnv(t *testing.T) *leaveEnv {
	t.Helper()
	return newLeaveEnvAt(t, "http://localhost:8080")
}

// newLeaveEnvAt is newLeaveEnv with the public URL baseURL.
func newLeaveEnvAt(t *testing.T, baseURL string) *leaveEnv {
	t.Helper()
	return newLeaveEnvWith(t, baseURL, server.Relays{})
}

// newLeaveEnvWith is newLeaveEnvAt with the relays' webhooks set up.
func newLeaveEnvWith(t *testing.T, baseURL string, relays server.Relays) *leaveEnv {
	t.Helper()
	c := storetest.NewClock(time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	st := storetest.Open(t, store.WithClock(c.Now))
	tpl, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	links := store.NewSigner("test-secret", c.Now)
	cfg := server.Config{BaseURL: baseURL, Site: templates.Site{Name: "Asie centrale", BaseURL: baseURL, From: "Newsletter"},
		RateLimit: 1000}
	compose, err := digest.NewComposer("Newsletter <newsletter@localhost>", baseURL, "Asie centrale", "", time.UTC, links, tpl)
	if err != nil {
		t.Fatal(err)
	}
	e, err := server.New(cfg, server.Deps{Log: log, Store: st, Pages: tpl, Links: links, Admin: testKey(adminToken),
		Metrics: server.NewMetrics(st, log), Viewer: &digest.Viewer{Store: st, Compose: compose}, Relays: relays})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &leaveEnv{echo: e, srv: srv, store: st, links: links, clock: c}
}

// active signs email up and confirms it.
func (env *leaveEnv) active(t *testing.T, email string) store.Subscriber {
	t.Helper()
	ctx := context.Background()
	res, err := env.store.Subscribe(ctx, store.Signup{Email: email, Frequency: "daily", Locale: "en",
		Consent: store.Consent{Method: "form"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := env.store.Confirm(ctx, res.SubscriberID)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func (env *leaveEnv) status(t *testing.T, id int64) store.Subscriber {
	t.Helper()
	sub, err := env.store.Subscriber(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// do sends a request with no cookie and no redirect following, and reads the answer.
func (env *leaveEnv) do(t *testing.T, method, path, contentType string, body io.Reader, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, env.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// admin calls the admin API with the right token.
func (env *leaveEnv) admin(t *testing.T, method, path, body string) (*http.Response, string) {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return env.do(t, method, path, ct, strings.NewReader(body), map[string]string{"Authorization": "Bearer " + adminToken})
}
