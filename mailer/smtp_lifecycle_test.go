package mailer

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSMTPHonoursContextAndTimeout(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // Config.Timeout
		ctxWait time.Duration // ctx deadline; 0 for none
		wantCtx bool          // the error wraps context.DeadlineExceeded
	}{
		{"ctx deadline cuts a hung transaction", 30 * time.Second, 100 * time.Millisecond, true},
		{"Timeout cuts a hung transaction", time.Second, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t)
			ts.on("hang@example.net", rule{hang: true})
			s := newTestSMTP(t, Config{SMTPURL: plainURL(ts), Timeout: tc.timeout}, nil)
			ctx := t.Context()
			if tc.ctxWait > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxWait)
				defer cancel()
			}

			start := time.Now()
			err := s.Send(ctx, newTestMsg(t, "hang@example.net"))
			if err == nil || IsPermanent(err) {
				t.Fatalf("Send to a hung server: %v, want a temporary error", err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Send took %v", took)
			}
			if got := errors.Is(err, context.DeadlineExceeded); got != tc.wantCtx {
				t.Errorf("errors.Is(%v, DeadlineExceeded) = %v, want %v", err, got, tc.wantCtx)
			}
			if err := s.Send(t.Context(), newTestMsg(t, "ok@example.net")); err != nil {
				t.Fatalf("Send after the hang: %v", err)
			}
		})
	}
}

func TestSMTPWaitsForFreeConnection(t *testing.T) {
	ts := startServer(t)
	ts.on("hang@example.net", rule{hang: true})
	s := newTestSMTP(t, Config{SMTPURL: plainURL(ts), Workers: 1}, nil)

	hung, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- s.Send(hung, newTestMsg(t, "hang@example.net")) }()
	eventually(t, "the hung send to connect", func() bool { conns, _, _ := ts.stats(); return conns == 1 })

	ctx, cancelWait := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancelWait()
	if err := s.Send(ctx, newTestMsg(t, "ok@example.net")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send while the only connection is busy: %v, want DeadlineExceeded", err)
	}
	if conns, _, _ := ts.stats(); conns != 1 {
		t.Errorf("%d connections with Workers=1", conns)
	}

	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Send: %v, want Canceled", err)
	}
	if err := s.Send(t.Context(), newTestMsg(t, "ok@example.net")); err != nil {
		t.Fatalf("Send once the connection is free: %v", err)
	}
}

func TestSMTPClose(t *testing.T) {
	ts := startServer(t)
	s := newTestSMTP(t, Config{SMTPURL: plainURL(ts)}, nil)
	if err := s.Send(t.Context(), newTestMsg(t, "reader@example.net")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	eventually(t, "connections to close", func() bool { _, open, _ := ts.stats(); return open == 0 })
	if err := s.Send(t.Context(), newTestMsg(t, "reader@example.net")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v, want ErrClosed", err)
	}
}

func TestSMTPRetiresOldIdleConnection(t *testing.T) {
	ts := startServer(t)
	s := newTestSMTP(t, Config{SMTPURL: plainURL(ts)}, nil)
	if err := s.Send(t.Context(), newTestMsg(t, "one@example.net")); err != nil {
		t.Fatal(err)
	}
	s.pool.mu.Lock()
	s.pool.idle[0].lastUsed = time.Now().Add(-2 * maxIdle) // as if idle for two minutes
	s.pool.mu.Unlock()

	if err := s.Send(t.Context(), newTestMsg(t, "two@example.net")); err != nil {
		t.Fatal(err)
	}
	if conns, _, _ := ts.stats(); conns != 2 {
		t.Errorf("%d connections, want 2: the old idle one must not be reused", conns)
	}
	eventually(t, "the old connection to close", func() bool { _, open, _ := ts.stats(); return open == 1 })
}

func TestSMTPDialFailureIsTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there any more

	s := newTestSMTP(t, Config{SMTPURL: "smtp://" + addr + "?tls=none"}, nil)
	err = s.Send(t.Context(), newTestMsg(t, "reader@example.net"))
	if err == nil || IsPermanent(err) {
		t.Fatalf("Send to a closed port: %v, want a temporary error", err)
	}
}

// TestSMTPAndOutboxCarrySameBytes sends one message through both transports, with
// DKIM: the server must receive what the outbox wrote, and both must verify.
func TestSMTPAndOutboxCarrySameBytes(t *testing.T) {
	keyPEM, pub := newDKIMKey(t)
	dkim := Config{DKIMKeyPEM: keyPEM, DKIMSelector: "caravan1", DKIMDomain: "caravan.example"}
	ts := startServer(t)
	smtpCfg := dkim
	smtpCfg.SMTPURL = plainURL(ts)
	s := newTestSMTP(t, smtpCfg, nil)
	o := newTestOutbox(t, dkim)

	m := newTestMsg(t, "reader@example.net")
	m.SetBoundary("caravan-test-boundary") // otherwise random on every write
	m.SetDate()                            // fixed before the first write, as is the Message-ID
	m.SetMessageID()
	if err := o.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}

	names := outboxFiles(t, o)
	if len(names) != 1 {
		t.Fatalf("outbox holds %q", names)
	}
	fromOutbox, err := os.ReadFile(filepath.Join(o.dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	msgs := ts.messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages", len(msgs))
	}
	overSMTP := msgs[0].Data
	verifyDKIM(t, fromOutbox, pub)
	verifyDKIM(t, overSMTP, pub)

	// go-mail writes custom headers in map order, and the signatures may differ in
	// their t= timestamp; apart from that, both transports carry the same bytes.
	if a, b := normalized(t, fromOutbox), normalized(t, overSMTP); a != b {
		t.Errorf("outbox and SMTP bytes differ:\n--- outbox\n%s\n--- smtp\n%s", a, b)
	}
}

// normalized returns raw with its header fields sorted and the DKIM-Signature left out.
func normalized(t *testing.T, raw []byte) string {
	t.Helper()
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatal("message has no header/body separator")
	}
	fields := slices.DeleteFunc(splitFields(string(head)+"\r\n"), func(f string) bool {
		return fieldName(f) == "DKIM-Signature"
	})
	slices.Sort(fields)
	return strings.Join(fields, "\r\n") + "\r\n\r\n" + string(body)
}
