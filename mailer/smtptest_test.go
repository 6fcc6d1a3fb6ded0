package mailer

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testServer is an in-process SMTP server (github.com/emersion/go-smtp) that records
// what it receives and, for chosen recipients, refuses, hangs or hangs up.
type testServer struct {
	addr    string
	user    string // when set, AUTH PLAIN is offered and required
	pass    string
	release chan struct{} // closed at cleanup; "hang" recipients wait for it

	mu      sync.Mutex
	conns   map[*smtp.Conn]bool // distinct connections seen by NewSession
	open    int                 // sockets open now
	maxOpen int                 // sockets open at once, at most
	sockets []net.Conn
	msgs    []received
	rules   map[string]rule
}

// received is one accepted message.
type received struct {
	From string
	To   []string
	Data []byte
	User string // the authenticated user, if any
	TLS  bool
}

// serverOption tunes a testServer before it starts.
type serverOption func(ts *testServer, s *smtp.Server, l *net.Listener)

// withAuth requires AUTH PLAIN with user and pass.
func withAuth(user, pass string) serverOption {
	return func(ts *testServer, _ *smtp.Server, _ *net.Listener) { ts.user, ts.pass = user, pass }
}

// withStartTLS offers STARTTLS with conf.
func withStartTLS(conf *tls.Config) serverOption {
	return func(_ *testServer, s *smtp.Server, _ *net.Listener) {
		s.TLSConfig = conf
		s.AllowInsecureAuth = false
	}
}

// withImplicitTLS speaks TLS from the first byte.
func withImplicitTLS(conf *tls.Config) serverOption {
	return func(_ *testServer, s *smtp.Server, l *net.Listener) {
		*l = tls.NewListener(*l, conf)
		s.AllowInsecureAuth = false
	}
}

// startServer listens on 127.0.0.1:0 and serves until the test ends.
func startServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	ts := &testServer{
		release: make(chan struct{}),
		conns:   map[*smtp.Conn]bool{},
		rules:   map[string]rule{},
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = tcp.Addr().String()
	var l net.Listener = countingListener{Listener: tcp, ts: ts}
	s := smtp.NewServer(ts)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ErrorLog = log.New(io.Discard, "", 0)
	for _, opt := range opts {
		opt(ts, s, &l)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() {
		close(ts.release)
		_ = s.Close()
	})
	return ts
}

// rule says how the server treats mail for one address.
type rule struct {
	rcptErr error // reply rcptErr to RCPT TO
	dataErr error // reply dataErr once the data is in
	drop    bool  // close the connection at RCPT TO, without a reply
	hang    bool  // reply nothing to RCPT TO until the test ends
}

// on sets the rule for mail to addr.
func (ts *testServer) on(addr string, r rule) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.rules[addr] = r
}

// closeAll hangs up every open connection, as a server does with idle clients.
func (ts *testServer) closeAll() {
	ts.mu.Lock()
	sockets := append([]net.Conn(nil), ts.sockets...)
	ts.mu.Unlock()
	for _, c := range sockets {
		_ = c.Close() // outside the lock: countedConn.Close takes it
	}
}

// stats returns the distinct connections seen, the sockets open now and at most.
func (ts *testServer) stats() (conns, open, maxOpen int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.conns), ts.open, ts.maxOpen
}

// messages returns a copy of the messages received so far.
func (ts *testServer) messages() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.msgs...)
}

// NewSession implements smtp.Backend.
func (ts *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.conns[c] = true
	_, isTLS := c.TLSConnectionState()
	return &session{ts: ts, conn: c, tls: isTLS}, nil
}

// session is one SMTP session of testServer.
type session struct {
	ts   *testServer
	conn *smtp.Conn
	tls  bool
	user string
	from string
	to   []string
}

// AuthMechanisms implements smtp.AuthSession.
func (s *session) AuthMechanisms() []string {
	if s.ts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth implements smtp.AuthSession.
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.ts.user || pass != s.ts.pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.ts.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ts.mu.Lock()
	rule := s.ts.rules[to]
	s.ts.mu.Unlock()
	switch {
	case rule.drop:
		_ = s.conn.Conn().Close()
		return errors.New("dropped")
	case rule.hang:
		<-s.ts.release
		return errors.New("released")
	case rule.rcptErr != nil:
		return rule.rcptErr
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if err := s.ts.rules[s.to[0]].dataErr; err != nil {
		return err
	}
	s.ts.msgs = append(s.ts.msgs, received{From: s.from, To: s.to, Data: data, User: s.user, TLS: s.tls})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
