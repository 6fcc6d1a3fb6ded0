package digest

import (
	"errors"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// smtpServer is an in-process SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1 that keeps what it accepts and fails on demand, per recipient.
type smtpServer struct {
	addr string

	mu       sync.Mutex
	msgs     []received
	rcptErr  map[string]error                   // answer to RCPT TO, every time
	dataErr  map[string]func(attempt int) error // answer to DATA, by attempt for that recipient
	attempts map[string]int
	accepted func(n int) // called after the n-th accepted message, outside the lock
}

// received is one accepted message.
type received struct {
	From string // the envelope sender
	To   string
	Msg  *mail.Message
	Raw  string
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ts := &smtpServer{rcptErr: map[string]error{}, dataErr: map[string]func(int) error{}, attempts: map[string]int{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	s := smtp.NewServer(smtpBackend{ts})
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ErrorLog = log.New(io.Discard, "", 0)
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return ts
}

// url is the CARAVAN_SMTP_URL of the server.
func (ts *smtpServer) url() string { return "smtp://" + ts.addr + "?tls=none" }

// failRcpt makes the server answer err to RCPT TO:<addr>.
func (ts *smtpServer) failRcpt(addr string, err error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.rcptErr[addr] = err
}

// failData makes the server answer fn(attempt) at the end of DATA for addr (nil accepts).
func (ts *smtpServer) failData(addr string, fn func(attempt int) error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.dataErr[addr] = fn
}

// onAccept calls fn after each accepted message with the count so far.
func (ts *smtpServer) onAccept(fn func(n int)) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.accepted = fn
}

func (ts *smtpServer) messages() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

// byRecipient counts the accepted messages of each address.
func (ts *smtpServer) byRecipient() map[string]int {
	out := map[string]int{}
	for _, m := range ts.messages() {
		out[m.To]++
	}
	return out
}

var (
	err451 = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	err550 = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
)

type smtpBackend struct{ ts *smtpServer }

func (b smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{ts: b.ts}, nil }

type smtpSession struct {
	ts   *smtpServer
	from string
	to   []string
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if err := s.ts.rcptErr[to]; err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(s.to) != 1 {
		return errors.New("want exactly one recipient per digest")
	}
	to := s.to[0]
	s.ts.mu.Lock()
	s.ts.attempts[to]++
	if fn := s.ts.dataErr[to]; fn != nil {
		if err := fn(s.ts.attempts[to]); err != nil {
			s.ts.mu.Unlock()
			return err
		}
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		s.ts.mu.Unlock()
		return err
	}
	s.ts.msgs = append(s.ts.msgs, received{From: s.from, To: to, Msg: msg, Raw: string(raw)})
	n, fn := len(s.ts.msgs), s.ts.accepted
	s.ts.mu.Unlock()
	if fn != nil {
		fn(n)
	}
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }
