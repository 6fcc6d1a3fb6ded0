package mailer

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// newTestSMTP returns an SMTP transport for cfg, closed when the test ends. clientTLS,
// if set, is the TLS configuration trusting the test server's certificate.
func newTestSMTP(t *testing.T, cfg Config, clientTLS *tls.Config) *SMTP {
	t.Helper()
	s, err := newSMTP(cfg, clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// plainURL is the URL of ts without TLS.
func plainURL(ts *testServer) string {
	return "smtp://" + ts.addr + "?tls=none"
}

func TestSMTPPoolBoundsAndReusesConnections(t *testing.T) {
	ts := startServer(t)
	s := newTestSMTP(t, Config{SMTPURL: plainURL(ts), Workers: 4}, nil)

	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.Send(t.Context(), newTestMsg(t, fmt.Sprintf("reader%d@example.net", i)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	msgs := ts.messages()
	if len(msgs) != n {
		t.Fatalf("server received %d messages, want %d", len(msgs), n)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		if m.From != "news@caravan.example" || len(m.To) != 1 {
			t.Fatalf("envelope MAIL FROM %q RCPT TO %q", m.From, m.To)
		}
		if !bytes.Contains(m.Data, []byte("To: <"+m.To[0]+">")) {
			t.Errorf("message for %s carries another To header", m.To[0])
		}
		seen[m.To[0]] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct recipients, want %d", len(seen), n)
	}
	conns, _, maxOpen := ts.stats()
	if conns > 4 || maxOpen > 4 {
		t.Errorf("%d connections opened, %d at once; want at most 4", conns, maxOpen)
	}

	// Sent one after the other, messages share one idle connection.
	before := conns
	for i := range 5 {
		if err := s.Send(t.Context(), newTestMsg(t, fmt.Sprintf("late%d@example.net", i))); err != nil {
			t.Fatal(err)
		}
	}
	if conns, _, _ := ts.stats(); conns != before {
		t.Errorf("sequential sends opened %d new connections, want 0", conns-before)
	}
}

func TestSMTPClassifiesRefusals(t *testing.T) {
	tests := []struct {
		name      string
		rule      rule
		permanent bool
		failure   Failure
	}{
		{"451 try later", rule{rcptErr: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "mailbox busy"}}, false, FailTemporary},
		{"550 no such user", rule{rcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "no such user"}}, true, FailMailbox},
		{"550 mailbox disabled", rule{rcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 2, 1},
			Message: "mailbox disabled"}}, true, FailMailbox},
		{"550 no such domain", rule{rcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 2},
			Message: "bad destination system"}}, true, FailMailbox},
		{"552 mailbox full", rule{rcptErr: &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2},
			Message: "mailbox full"}}, true, FailMessage},
		{"554 relay denied at RCPT", rule{rcptErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: "relay access denied"}}, true, FailMessage},
		{"550 policy at RCPT", rule{rcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 26},
			Message: "unauthenticated mail is prohibited"}}, true, FailMessage},
		{"554 after DATA", rule{dataErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: "rejected as spam"}}, true, FailMessage},
		{"552 too big after DATA", rule{dataErr: &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: "message too big"}}, true, FailMessage},
		{"452 after DATA", rule{dataErr: &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
			Message: "out of disk"}}, false, FailTemporary},
		{"connection dropped", rule{drop: true}, false, FailTemporary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t)
			ts.on("bad@example.net", tc.rule)
			s := newTestSMTP(t, Config{SMTPURL: plainURL(ts), Workers: 1}, nil)

			// Warm up, so the failure also happens on a reused connection.
			if err := s.Send(t.Context(), newTestMsg(t, "ok@example.net")); err != nil {
				t.Fatal(err)
			}
			err := s.Send(t.Context(), newTestMsg(t, "bad@example.net"))
			if err == nil {
				t.Fatal("Send succeeded, want error")
			}
			if got := IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tc.permanent)
			}
			if got := Classify(err); got != tc.failure {
				t.Errorf("Classify(%v) = %v, want %v", err, got, tc.failure)
			}
			if IsBounce(err) != (tc.failure == FailMailbox) {
				t.Errorf("IsBounce(%v) = %v", err, IsBounce(err))
			}

			// The failed connection is dropped; the next Send works on a new one.
			if err := s.Send(t.Context(), newTestMsg(t, "ok@example.net")); err != nil {
				t.Fatalf("Send after failure: %v", err)
			}
			if n := len(ts.messages()); n != 2 {
				t.Errorf("server received %d messages, want 2", n)
			}
			if conns, _, _ := ts.stats(); conns != 2 {
				t.Errorf("%d connections, want 2 (one dropped after the error)", conns)
			}
			eventually(t, "one open connection", func() bool { _, open, _ := ts.stats(); return open == 1 })
		})
	}
}

func TestSMTPRedialsWhenServerClosedIdleConnection(t *testing.T) {
	ts := startServer(t)
	s := newTestSMTP(t, Config{SMTPURL: plainURL(ts)}, nil)
	if err := s.Send(t.Context(), newTestMsg(t, "one@example.net")); err != nil {
		t.Fatal(err)
	}
	ts.closeAll()
	eventually(t, "server to hang up", func() bool { _, open, _ := ts.stats(); return open == 0 })

	if err := s.Send(t.Context(), newTestMsg(t, "two@example.net")); err != nil {
		t.Fatalf("Send on a connection the server closed: %v", err)
	}
	if conns, _, _ := ts.stats(); conns != 2 || len(ts.messages()) != 2 {
		t.Errorf("%d connections, %d messages; want 2 and 2", conns, len(ts.messages()))
	}
}

func TestSMTPAuthOverPlainConnection(t *testing.T) {
	const user, pass = "news@caravan.example", "p@ss w/rd:%"
	ts := startServer(t, withAuth(user, pass))
	withUser := func(pass string) string {
		return "smtp://" + url.UserPassword(user, pass).String() + "@" + ts.addr + "?tls=none"
	}

	s := newTestSMTP(t, Config{SMTPURL: withUser(pass)}, nil)
	if err := s.Send(t.Context(), newTestMsg(t, "reader@example.net")); err != nil {
		t.Fatal(err)
	}
	if msgs := ts.messages(); len(msgs) != 1 || msgs[0].User != user {
		t.Fatalf("received %+v, want one message from user %q", msgs, user)
	}

	wrong := newTestSMTP(t, Config{SMTPURL: withUser("wrong")}, nil)
	err := wrong.Send(t.Context(), newTestMsg(t, "reader@example.net"))
	if err == nil || IsPermanent(err) || Classify(err) != FailAuth {
		t.Fatalf("Send with a wrong password: %v, want an authentication failure, never a bounce", err)
	}
	eventually(t, "rejected connection to close", func() bool { _, open, _ := ts.stats(); return open == 1 })
}

func TestSMTPTLSModes(t *testing.T) {
	serverTLS, clientTLS := newTestTLS(t)
	tests := []struct {
		mode   string
		option serverOption
	}{
		{"starttls", withStartTLS(serverTLS)},
		{"tls", withImplicitTLS(serverTLS)},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			ts := startServer(t, tc.option, withAuth("news", "secret"))
			s := newTestSMTP(t, Config{SMTPURL: "smtp://news:secret@" + ts.addr + "?tls=" + tc.mode}, clientTLS)
			if err := s.Send(t.Context(), newTestMsg(t, "reader@example.net")); err != nil {
				t.Fatal(err)
			}
			if msgs := ts.messages(); len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != "news" {
				t.Fatalf("received %+v, want one authenticated message over TLS", msgs)
			}

			// A certificate nobody vouches for is refused, as a temporary error.
			untrusted := newTestSMTP(t, Config{SMTPURL: "smtp://" + ts.addr + "?tls=" + tc.mode}, nil)
			err := untrusted.Send(t.Context(), newTestMsg(t, "reader@example.net"))
			if err == nil || IsPermanent(err) {
				t.Fatalf("Send to an untrusted server: %v, want a temporary error", err)
			}
			// go-mail leaves the socket open when STARTTLS fails; the mailer closes it.
			eventually(t, "refused connection to close", func() bool { _, open, _ := ts.stats(); return open == 1 })
		})
	}
}
