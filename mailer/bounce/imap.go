package bounce

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// ProcessedFlag is the IMAP keyword set on every message the poller has dealt
// with, so that none is parsed twice; \Seen is set too, for people looking.
const ProcessedFlag imap.Flag = "$CaravanProcessed"

// maxMessage is the largest message fetched; a bounce report is a few kilobytes.
const maxMessage = 10 << 20

// batch is how many messages one poll takes at most; the next poll takes the rest.
const batch = 200

// Poller reads new messages of a mailbox over IMAP and hands them to an Intake.
type Poller struct {
	Mailbox  Mailbox
	Intake   *Intake
	Interval time.Duration
	Timeout  time.Duration // bounds the dial and each command (30s if zero)
	TLS      *tls.Config   // nil: the system's authorities; tests trust their own
	Log      *slog.Logger
}

// PollResult counts what one poll did.
type PollResult struct {
	Read, Recorded, Ignored int
}

// Run polls now and then every Interval until ctx ends; failures are logged
// and the next poll tries again.
func (p *Poller) Run(ctx context.Context) {
	for {
		res, err := p.Poll(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			p.Log.Error("bounce mailbox poll failed", "mailbox", p.Mailbox.Addr, "error", err)
		case res.Read > 0:
			p.Log.Info("bounce mailbox polled", "read", res.Read, "recorded", res.Recorded, "ignored", res.Ignored)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(p.Interval):
		}
	}
}

// Poll reads the messages not yet marked ProcessedFlag, records what they
// report and marks them. A message whose report could not be recorded (the
// database failed) stays unmarked for the next poll.
func (p *Poller) Poll(ctx context.Context) (PollResult, error) {
	var res PollResult
	c, err := p.dial(ctx)
	if err != nil {
		return res, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()

	if err := c.Login(p.Mailbox.User, p.Mailbox.Pass).Wait(); err != nil {
		return res, fmt.Errorf("bounce mailbox login as %s: %w", p.Mailbox.User, err)
	}
	if _, err := c.Select(p.Mailbox.Name, nil).Wait(); err != nil {
		return res, fmt.Errorf("bounce mailbox select %s: %w", p.Mailbox.Name, err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{ProcessedFlag}}, nil).Wait()
	if err != nil {
		return res, fmt.Errorf("bounce mailbox search: %w", err)
	}
	uids := found.AllUIDs()
	if len(uids) > batch {
		uids = uids[:batch]
	}
	var failed error
	for _, uid := range uids {
		done, err := p.handle(ctx, c, uid, &res)
		if err != nil {
			failed = errors.Join(failed, err)
		}
		if !done {
			continue
		}
		flags := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{ProcessedFlag, imap.FlagSeen}}
		if err := c.Store(imap.UIDSetNum(uid), flags, nil).Close(); err != nil {
			return res, fmt.Errorf("bounce mailbox mark message %d: %w", uid, err)
		}
	}
	_ = c.Logout().Wait()
	return res, failed
}

// handle fetches one message and passes it to the intake. done is false when
// the message must be read again by a later poll.
func (p *Poller) handle(ctx context.Context, c *imapclient.Client, uid imap.UID, res *PollResult) (done bool, err error) {
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{RFC822Size: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return false, fmt.Errorf("bounce mailbox fetch message %d: %w", uid, err)
	}
	if len(msgs) == 0 {
		return false, nil // expunged meanwhile
	}
	res.Read++
	if msgs[0].RFC822Size > maxMessage {
		res.Ignored++
		p.Log.Warn("bounce mailbox message too big to be a report, left alone", "uid", uid, "size", msgs[0].RFC822Size)
		return true, nil
	}
	out, err := p.Intake.Handle(ctx, msgs[0].FindBodySection(section))
	switch {
	case errors.Is(err, ErrNotReport):
		res.Ignored++
		p.Log.Info("bounce mailbox message is not a report, left alone", "uid", uid)
		return true, nil
	case err != nil:
		return false, err
	case out.Recorded:
		res.Recorded++
	default:
		res.Ignored++
	}
	return true, nil
}

// dial connects with TLS from the first byte (imaps).
func (p *Poller) dial(ctx context.Context) (*imapclient.Client, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if p.TLS != nil {
		conf = p.TLS.Clone()
	}
	conf.ServerName = p.Mailbox.Host
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: timeout}, Config: conf}
	conn, err := d.DialContext(ctx, "tcp", p.Mailbox.Addr)
	if err != nil {
		return nil, fmt.Errorf("bounce mailbox dial %s: %w", p.Mailbox.Addr, err)
	}
	// A server that stops answering fails the poll after timeout instead of hanging it.
	return imapclient.New(idleConn{conn, timeout}, nil), nil
}

// idleConn fails a read or write that waits longer than timeout.
type idleConn struct {
	net.Conn
	timeout time.Duration
}

func (c idleConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c idleConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}
