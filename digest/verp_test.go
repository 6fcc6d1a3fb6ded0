package digest

import (
	"context"
	"testing"
	"time"
)

func TestVERP(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ana := e.subscriber(t, "ana@example.org", "daily", "fr")
	bob := e.subscriber(t, "bob@example.org", "daily", "fr")
	e.clock.Add(time.Hour)
	e.article(t, "a1", e.clock.Now())
	e.clock.Add(time.Hour)
	w := e.worker(t, srv.url(), 1)
	if _, err := w.Run(context.Background(), "daily", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := messageTo(t, srv, "ana@example.org").From; got != "newsletter@news.example" {
		t.Fatalf("without a return path the envelope sender is %q, want From", got)
	}

	e.compose.ReturnPath = "bounces@news.example"
	e.article(t, "a2", e.clock.Now())
	e.clock.Add(24 * time.Hour)
	if _, err := w.Run(context.Background(), "daily", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	senders := map[string]bool{}
	for _, sub := range []struct {
		email string
		id    int64
	}{{"ana@example.org", ana.ID}, {"bob@example.org", bob.ID}} {
		var from string
		for _, m := range srv.messages() {
			if m.To == sub.email {
				from = m.From // the last one
			}
		}
		id, err := e.compose.Links.VERPSubscriber("bounces@news.example", from)
		if err != nil || id != sub.id {
			t.Fatalf("%s: envelope sender %q names subscriber %d (%v), want %d", sub.email, from, id, err, sub.id)
		}
		senders[from] = true
	}
	if len(senders) != 2 {
		t.Fatalf("the two readers share an envelope sender: %v", senders)
	}
}
