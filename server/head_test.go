package server_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// TestHeadAnswersLikeGetWithoutABody: monitors and link checkers ask with
// HEAD; the public pages answer as to GET, with no body, and change nothing.
func TestHeadAnswersLikeGetWithoutABody(t *testing.T) {
	env := newLeaveEnv(t)
	sub := env.active(t, "reader@example.org")
	res, err := env.store.Subscribe(context.Background(), store.Signup{Email: "waits@example.org", Frequency: "daily",
		Locale: "fr", Consent: store.Consent{Method: "form"}})
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"/", "/?lang=en", "/embed?country=kg", "/privacy", "/thanks",
		"/confirm/" + env.links.Make(store.PurposeConfirm, res.SubscriberID, time.Hour),
		"/confirm/not-a-token",
		"/unsubscribe/" + env.links.Make(store.PurposeUnsubscribe, sub.ID, 0),
		"/preferences/" + env.links.Make(store.PurposePreferences, sub.ID, 0),
	}
	for _, p := range paths {
		get, getBody := env.do(t, "GET", p, "", nil, nil)
		head, err := http.Head(env.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(head.Body)
		head.Body.Close()
		if head.StatusCode != get.StatusCode || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") ||
			len(body) != 0 || getBody == "" {
			t.Errorf("HEAD %s: %d %q, %d bytes; GET: %d %q", p, head.StatusCode, head.Header.Get("Content-Type"), len(body),
				get.StatusCode, get.Header.Get("Content-Type"))
		}
	}
	if got := env.status(t, res.SubscriberID); got.Status != store.StatusPending {
		t.Fatalf("HEAD of a confirmation link changed the status: %s", got.Status)
	}
	if got := env.status(t, sub.ID); got.Status != store.StatusActive {
		t.Fatalf("HEAD of an unsubscribe link changed the status: %s", got.Status)
	}
}
