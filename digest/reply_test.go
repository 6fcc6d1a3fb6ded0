package digest

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
)

// TestRunRecordsMultiByteRelayReplies: a relay answers 451 with a long French
// reply, so that the ledger's cut falls inside a character for two of the
// three readers whatever the length of the error's prefix. The run records
// every outcome (on PostgreSQL the ledger batch was refused with SQLSTATE
// 22021, the run stopped, and every resume resent the same digests) and the
// next run, once the relay recovers, sends each reader one digest.
func TestRunRecordsMultiByteRelayReplies(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	emails := []string{"ana@example.org", "bob@example.org", "cat@example.org"}
	for i, email := range emails {
		e.subscriber(t, email, "daily", "fr")
		// Three-byte characters around the cut, shifted by one byte for each reader.
		reply := "Boîte de réception pleine " + strings.Repeat("x", i) + strings.Repeat("€", 300)
		srv.failData(email, func(int) error {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: reply}
		})
	}
	e.clock.Add(time.Hour)
	e.article(t, "kg1", e.clock.Now(), "kg")
	e.clock.Add(time.Hour)

	w := e.worker(t, srv.url(), 2)
	w.Tries = 1
	res, err := w.Run(ctx, "daily", e.clock.Now())
	if err != nil {
		t.Fatalf("run through a relay answering in French: %v", err)
	}
	if res.This.FailedTemp != 3 {
		t.Fatalf("run = %+v, want 3 temporary failures recorded", res)
	}
	for _, email := range emails {
		rec, err := e.st.SubscriberRecord(ctx, email)
		if err != nil || len(rec.Deliveries) != 1 {
			t.Fatalf("%s: %+v, %v", email, rec.Deliveries, err)
		}
		msg := rec.Deliveries[0].Error
		if !utf8.ValidString(msg) || !strings.Contains(msg, "Boîte de réception pleine") || len(msg) > 500 {
			t.Errorf("%s: ledger error %q (%d bytes)", email, msg, len(msg))
		}
		srv.failData(email, nil)
	}

	e.clock.Add(24 * time.Hour)
	if res, err = w.Run(ctx, "daily", e.clock.Now()); err != nil || res.This.Sent != 3 {
		t.Fatalf("next run: %+v, %v", res, err)
	}
	for _, email := range emails {
		if n := srv.byRecipient()[email]; n != 1 {
			t.Errorf("%s got %d digests, want 1", email, n)
		}
	}
}
