// Package smtpsink is a real SMTP server (github.com/emersion/go-smtp) that keeps
// or counts what it receives, and can be told to fail. Caravan's tests send to it
// instead of mocking the mailer, and `caravan bench` measures against it.
package smtpsink

import (
	"bytes"
	"errors"
	"hash/fnv"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"

	"github.com/emersion/go-smtp"
)

// Message is one message the sink accepted.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Fault decides how the sink answers one step of a transaction: nil accepts;
// an *smtp.SMTPError refuses with its code; ErrDrop hangs up.
type Fault func(step Step, rcpt string) error

// Step names the point of the SMTP transaction a Fault is asked about.
type Step string

// The steps a Fault sees.
const (
	StepRcpt Step = "rcpt"
	StepData Step = "data"
)

// ErrDrop makes the sink close the connection instead of answering.
var ErrDrop = errors.New("drop connection")

// Sink is a running SMTP server on 127.0.0.1.
type Sink struct {
	srv      *smtp.Server
	ln       net.Listener
	keep     bool
	mu       sync.Mutex
	msgs     []Message
	fault    Fault
	count    atomic.Int64
	bytes    atomic.Int64
	sessions atomic.Int64
	rcptSum  atomic.Uint64
}

// Options tune a Sink.
type Options struct {
	Discard bool  // count messages and bytes but keep nothing (benchmarks)
	Fault   Fault // may be nil
}

// Start listens on addr ("127.0.0.1:0" for any free port) and serves until Close.
func Start(addr string, o Options) (*Sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Sink{ln: ln, keep: !o.Discard, fault: o.Fault}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxRecipients = 100
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go s.srv.Serve(ln)
	return s, nil
}

// Addr is host:port of the sink.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// URL is the CARAVAN_SMTP_URL that reaches the sink.
func (s *Sink) URL() string { return "smtp://" + s.Addr() + "?tls=none" }

// SetFault replaces the fault function; nil accepts everything.
func (s *Sink) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// Messages returns a copy of the messages kept so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// RecipientSum is the sum of RecipientHash over the recipients of every
// message accepted: a fingerprint of who got how many messages that takes no
// memory, for checking a big run's deliveries with Discard set.
func (s *Sink) RecipientSum() uint64 { return s.rcptSum.Load() }

// RecipientHash is the hash of one recipient address in RecipientSum.
func RecipientHash(addr string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(addr))
	return h.Sum64()
}

// Count is the number of messages accepted; Bytes their total size; Sessions the connections opened.
func (s *Sink) Count() int64    { return s.count.Load() }
func (s *Sink) Bytes() int64    { return s.bytes.Load() }
func (s *Sink) Sessions() int64 { return s.sessions.Load() }

// Close stops the server and hangs up every connection.
func (s *Sink) Close() error { return s.srv.Close() }

func (s *Sink) check(step Step, rcpt string) error {
	s.mu.Lock()
	f := s.fault
	s.mu.Unlock()
	if f == nil {
		return nil
	}
	return f(step, rcpt)
}

type backend struct{ s *Sink }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.sessions.Add(1)
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *Sink
	conn *smtp.Conn
	from string
	to   []string
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := x.fail(StepRcpt, to); err != nil {
		return err
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	// A discarding sink reads into a small reused buffer: a benchmark measures
	// the sender, not the allocations of a server that keeps nothing.
	var buf bytes.Buffer
	var dst io.Writer = &buf
	if !x.s.keep {
		dst = io.Discard
	}
	n, err := io.Copy(dst, r)
	if err != nil {
		return err
	}
	rcpt := ""
	if len(x.to) > 0 {
		rcpt = x.to[0]
	}
	if err := x.fail(StepData, rcpt); err != nil {
		return err
	}
	x.s.count.Add(1)
	x.s.bytes.Add(n)
	for _, to := range x.to {
		x.s.rcptSum.Add(RecipientHash(to))
	}
	if x.s.keep {
		x.s.mu.Lock()
		x.s.msgs = append(x.s.msgs, Message{From: x.from, To: append([]string(nil), x.to...), Data: buf.Bytes()})
		x.s.mu.Unlock()
	}
	return nil
}

func (x *session) fail(step Step, rcpt string) error {
	err := x.s.check(step, rcpt)
	if errors.Is(err, ErrDrop) {
		x.conn.Conn().Close()
	}
	return err
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
