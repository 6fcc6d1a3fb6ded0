package bounce

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/caravan-news/caravan/mailer/internal/testcert"
	"github.com/caravan-news/caravan/store"
)

// startIMAP runs go-imap's server with its in-memory backend on 127.0.0.1,
// TLS from the first byte, with user "bounces" and an INBOX holding msgs. It
// returns the mailbox URL and the client TLS configuration that trusts it.
func startIMAP(t *testing.T, msgs ...[]byte) (string, *tls.Config, *imapmemserver.User) {
	t.Helper()
	serverTLS, clientTLS := testcert.New(t)
	user := imapmemserver.NewUser("bounces", "pa ss")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		appendMsg(t, user, m)
	}
	mem := imapmemserver.New()
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:   imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		Logger: log.New(io.Discard, "", 0),
	})
	l, err := tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "imaps://bounces:pa%20ss@" + l.Addr().String() + "/INBOX", clientTLS, user
}

func appendMsg(t *testing.T, user *imapmemserver.User, m []byte) {
	t.Helper()
	if _, err := user.Append("INBOX", literal{bytes.NewReader(m), int64(len(m))}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// literal is an imap.LiteralReader over bytes.
type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

func (e *env) poller(t *testing.T, url string, conf *tls.Config) *Poller {
	t.Helper()
	mb, err := ParseMailbox(url)
	if err != nil {
		t.Fatal(err)
	}
	mb.Host = "127.0.0.1"
	return &Poller{Mailbox: mb, Intake: e.intake, Interval: time.Minute, Timeout: 10 * time.Second, TLS: conf,
		Log: slog.New(slog.DiscardHandler)}
}

func TestPollIMAP(t *testing.T) {
	e := newEnv(t)
	hard := e.subscriber(t, "hard@example.net")
	soft := e.subscriber(t, "soft@example.net")
	complains := e.subscriber(t, "complains@example.net")
	kept := e.subscriber(t, "kept@example.net")
	url, conf, user := startIMAP(t,
		e.report(t, "dsn-hard-postfix.eml", hard),
		e.report(t, "dsn-soft-exim.eml", soft),
		e.report(t, "arf-abuse.eml", complains),
		e.report(t, "dsn-policy.eml", kept),
		e.report(t, "autoreply.eml", kept),
	)
	p := e.poller(t, url, conf)
	res, err := p.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res != (PollResult{Read: 5, Recorded: 3, Ignored: 2}) {
		t.Fatalf("first poll: %+v", res)
	}
	for _, c := range []struct {
		sub    store.Subscriber
		status string
		soft   int
	}{{hard, store.StatusBounced, 0}, {soft, store.StatusActive, 1}, {complains, store.StatusBounced, 0}, {kept, store.StatusActive, 0}} {
		if status, n := e.status(t, c.sub); status != c.status || n != c.soft {
			t.Errorf("%s is %s with %d soft bounces, want %s with %d", c.sub.Email, status, n, c.status, c.soft)
		}
	}

	// Marked: the next poll reads only what arrived since, and the soft bounce is not counted twice.
	appendMsg(t, user, e.report(t, "dsn-soft-exim.eml", soft))
	if res, err = p.Poll(context.Background()); err != nil || res != (PollResult{Read: 1, Recorded: 1}) {
		t.Fatalf("second poll: %+v %v", res, err)
	}
	if _, n := e.status(t, soft); n != 2 {
		t.Fatalf("soft bounces = %d after two reports, want 2", n)
	}
	if res, err = p.Poll(context.Background()); err != nil || res != (PollResult{}) {
		t.Fatalf("third poll: %+v %v", res, err)
	}
	flags := messageFlags(t, p)
	if len(flags) != 6 {
		t.Fatalf("%d messages in the mailbox, want 6", len(flags))
	}
	for i, f := range flags {
		has := func(want imap.Flag) bool {
			return slices.ContainsFunc(f, func(g imap.Flag) bool { return strings.EqualFold(string(g), string(want)) })
		}
		if !has(ProcessedFlag) || !has(imap.FlagSeen) { // keywords are case-insensitive
			t.Errorf("message %d has flags %v", i+1, f)
		}
	}
}

// failingStore fails the first Bounce, as a database that is down would.
type failingStore struct {
	Recorder
	failed bool
}

func (f *failingStore) Bounce(ctx context.Context, email, kind string) (store.BounceResult, error) {
	if !f.failed {
		f.failed = true
		return store.BounceResult{}, errors.New("database is down")
	}
	return f.Recorder.Bounce(ctx, email, kind)
}

func TestPollLeavesUnrecordedMessagesForLater(t *testing.T) {
	e := newEnv(t)
	hard := e.subscriber(t, "hard@example.net")
	url, conf, _ := startIMAP(t, e.report(t, "dsn-hard-postfix.eml", hard))
	e.intake.Store = &failingStore{Recorder: e.st}
	p := e.poller(t, url, conf)
	if _, err := p.Poll(context.Background()); err == nil {
		t.Fatal("a failed store went unreported")
	}
	if status, _ := e.status(t, hard); status != store.StatusActive {
		t.Fatalf("status %s after a failed write", status)
	}
	if res, err := p.Poll(context.Background()); err != nil || res.Recorded != 1 {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if status, _ := e.status(t, hard); status != store.StatusBounced {
		t.Fatalf("status %s after the retry", status)
	}
}

func TestPollReportsAServerThatIsNotThere(t *testing.T) {
	e := newEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := e.poller(t, "imaps://u:p@"+addr+"/INBOX", nil)
	if _, err := p.Poll(context.Background()); err == nil {
		t.Fatal("no error")
	}
	url, conf, _ := startIMAP(t)
	p = e.poller(t, url, conf)
	p.Mailbox.Pass = "wrong"
	if _, err := p.Poll(context.Background()); err == nil {
		t.Fatal("a wrong password went unreported")
	}
}

// messageFlags returns the flags of every message in the mailbox, read over IMAP.
func messageFlags(t *testing.T, p *Poller) [][]imap.Flag {
	t.Helper()
	c, err := p.dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(p.Mailbox.User, p.Mailbox.Pass).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(p.Mailbox.Name, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]imap.Flag
	for _, m := range msgs {
		out = append(out, m.Flags)
	}
	return out
}
