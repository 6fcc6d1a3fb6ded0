package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer/smtpsink"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// TestServeSIGTERMLeavesTheConfirmationBacklogQueued queues 1,200
// confirmation mails behind a relay that takes 100 ms a message (two minutes
// of work), starts `caravan serve` and sends it SIGTERM once mail flows. It
// stops after the mail in flight, not after the backlog; the rest stays
// queued, due at once, and the next start sends every mail, each once (the
// one in flight at the stop may go twice at worst).
func TestServeSIGTERMLeavesTheConfirmationBacklogQueued(t *testing.T) {
	const n = 1200
	dsn := storetest.DSN(t)
	st := openDBStore(t, dsn)
	var csv strings.Builder
	csv.WriteString("email,countries,frequency,locale\n")
	for i := range n {
		fmt.Fprintf(&csv, "backlog%05d@shutdown.example.org,kg,daily,fr\n", i)
	}
	rep, err := st.ImportCSV(context.Background(), strings.NewReader(csv.String()), store.ImportOptions{Source: "backlog test"}, nil)
	st.Close()
	if err != nil || rep.Imported != n {
		t.Fatalf("seed: %+v, %v", rep, err)
	}
	var slow atomic.Bool
	slow.Store(true)
	sink, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{Fault: func(step smtpsink.Step, _ string) error {
		if step == smtpsink.StepData && slow.Load() {
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	env := func() map[string]string {
		return map[string]string{"CARAVAN_DATABASE": dsn, "CARAVAN_SMTP_URL": sink.URL(), "CARAVAN_OUTBOX": t.TempDir(),
			"CARAVAN_ADMIN_TOKEN": "backlog-admin-token-0123456789abcdef", "CARAVAN_SECRET": "backlog-secret-0123456789abcdefgh",
			"CARAVAN_DAILY_AT": "0 0 1 1 *", "CARAVAN_WEEKLY_AT": "0 0 1 1 *"}
	}

	p, _ := serveBinary(t, env())
	waitFor(t, "confirmation mails to flow", func() bool { return sink.Count() >= 3 })
	p.signal(syscall.SIGTERM)
	// The backlog alone is two minutes of work: waiting for it would run past this.
	if err := p.wait(t, 45*time.Second); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, p.out)
	}
	sent := int(sink.Count())
	st = openDBStore(t, dsn)
	queued, err := st.QueuedMail(context.Background())
	st.Close()
	if err != nil || sent >= n || queued < n-sent {
		t.Fatalf("after the stop: %d sent, %d queued of %d (%v)", sent, queued, n, err)
	}

	slow.Store(false)
	p, _ = serveBinary(t, env())
	deadline := time.Now().Add(90 * time.Second)
	for distinct(sink) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the next start sent mail to %d of %d readers:\n%s", distinct(sink), n, p.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.signal(syscall.SIGTERM)
	if err := p.wait(t, 45*time.Second); err != nil {
		t.Fatalf("second serve: %v", err)
	}
	if extra := len(sink.Messages()) - n; extra > 1 {
		t.Fatalf("%d confirmation mails went twice", extra)
	}
	t.Logf("SIGTERM with %d confirmation mails queued: %d sent before the stop, the rest by the next start", n, sent)
}

// distinct counts the recipients the sink has mail for.
func distinct(sink *smtpsink.Sink) int {
	seen := map[string]bool{}
	for _, m := range sink.Messages() {
		for _, to := range m.To {
			seen[to] = true
		}
	}
	return len(seen)
}
