package feeds_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/feeds"
)

// A feed URL with credentials in it never shows its password in the log.
func TestFeedPasswordNotLogged(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusUnauthorized)
	}))
	defer srv.Close()
	st, _ := openStore(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	url := strings.Replace(srv.URL, "http://", "http://editor:s3cret-pass@", 1) + "/feed"
	if _, err := feeds.NewPoller(st, []string{url}, nil, log).PollAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "s3cret-pass") || !strings.Contains(logs.String(), "feed poll failed") {
		t.Fatalf("log:\n%s", logs.String())
	}
}
