package digest

import (
	"context"
	"testing"
	"time"
)

func TestFeedbackID(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	e.compose.FeedbackID = "caravan-news"
	ana := e.subscriber(t, "ana@example.org", "daily", "fr", "kg")
	e.clock.Add(time.Hour)
	e.article(t, "kg1", e.clock.Now(), "kg")
	e.clock.Add(time.Hour)
	if _, err := e.worker(t, srv.url(), 1).Run(context.Background(), "daily", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	got := messageTo(t, srv, "ana@example.org").Msg.Header["Feedback-Id"]
	if len(got) != 1 || got[0] != "digest:daily:fr:caravan-news" {
		t.Fatalf("digest Feedback-ID = %q, want one, digest:daily:fr:caravan-news", got)
	}

	m, err := e.compose.Confirm(ana, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := m.GetGenHeader("Feedback-ID"); len(got) != 1 || got[0] != "confirm:daily:fr:caravan-news" {
		t.Fatalf("confirmation Feedback-ID = %q", got)
	}
	e.compose.FeedbackID = ""
	if m, err = e.compose.Confirm(ana, e.clock.Now()); err != nil || len(m.GetGenHeader("Feedback-ID")) != 0 {
		t.Fatalf("Feedback-ID without a sender id: %q %v", m.GetGenHeader("Feedback-ID"), err)
	}
}
