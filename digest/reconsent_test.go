package digest

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer"
)

// TestReconsentMailThroughTheOutbox queues a re-consent mail as the daily cycle
// does and delivers it through the outbox to a real SMTP server: it links the
// preferences page and carries the one-click unsubscribe headers.
func TestReconsentMailThroughTheOutbox(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	sub := e.subscriber(t, "quiet@example.org", "daily", "en")
	const after = 3 * 365 * 24 * time.Hour
	e.clock.Add(after + time.Hour)
	if n, err := e.st.AskReconsent(ctx, after); err != nil || n != 1 {
		t.Fatalf("asked %d, %v", n, err)
	}
	snd, err := mailer.NewSMTP(mailer.Config{SMTPURL: srv.url(), Workers: 1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snd.Close() })
	o := &Outbox{Store: e.st, Sender: snd, Compose: e.compose, Log: slog.New(slog.DiscardHandler)}
	if sent, err := o.Flush(ctx); err != nil || sent != 3 { // the old confirmation, the welcome, and the re-consent mail
		t.Fatalf("sent %d, %v", sent, err)
	}
	var got *received
	for _, m := range srv.messages() {
		if strings.Contains(decoded(t, m.Msg.Header.Get("Subject")), "keep receiving") {
			got = &m
		}
	}
	if got == nil {
		t.Fatal("no re-consent mail")
	}
	h := got.Msg.Header
	if h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		strings.Trim(h.Get("List-Unsubscribe"), "<>") != e.compose.UnsubscribeURL(sub.ID) {
		t.Errorf("headers: %v", h)
	}
	text, html := parts(t, *got)
	prefs := e.compose.PreferencesURL(sub.ID)
	if !strings.Contains(text, prefs) || !strings.Contains(html, prefs) || !strings.Contains(text, "30 days") {
		t.Errorf("body lacks the preferences link or the deadline:\n%s", text)
	}
}
