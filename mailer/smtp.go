package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wneessen/go-mail"
)

// maxIdle is how long an idle connection is trusted. Servers drop idle sessions after
// a few minutes (Postfix: 300s), and a socket silently lost in a NAT would only fail
// after Timeout, so older ones are closed instead of reused.
const maxIdle = time.Minute

// quitTimeout bounds the polite QUIT sent before a connection is closed.
const quitTimeout = 5 * time.Second

// SMTP sends messages over a pool of at most Config.Workers reused SMTP connections.
type SMTP struct {
	client  *mail.Client
	target  target
	pool    *pool
	timeout time.Duration
	log     *slog.Logger
}

// NewSMTP returns an SMTP transport for cfg.SMTPURL. The port defaults to 587 for
// tls=starttls (the default mode) and tls=none, and to 465 for tls=tls. With a user in
// the URL the transport authenticates: with the strongest mechanism the server offers
// over STARTTLS, and with PLAIN over tls=tls and tls=none. Nothing is dialed until
// the first Send.
func NewSMTP(cfg Config) (*SMTP, error) {
	return newSMTP(cfg, cfg.TLS)
}

// newSMTP is NewSMTP with a TLS configuration, which tests use to trust their own
// certificate authority.
func newSMTP(cfg Config, tlsConf *tls.Config) (*SMTP, error) {
	cfg = cfg.withDefaults()
	t, err := parseURL(cfg.SMTPURL)
	if err != nil {
		return nil, err
	}
	signer, err := newDKIMSigner(cfg)
	if err != nil {
		return nil, err
	}
	client, err := newClient(t, cfg, tlsConf, signer)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return &SMTP{
		client:  client,
		target:  t,
		pool:    newPool(cfg.Workers),
		timeout: cfg.Timeout,
		log:     cfg.Logger.With(slog.String("smtp_server", t.addr())),
	}, nil
}

// Send delivers m on an idle connection or a new one, waiting while Workers
// connections are busy. ctx bounds the wait, the dial and the transaction. A
// connection that fails is closed and dropped; if it was reused and the server had
// closed it while idle, Send redials once. An error's text, which quotes the
// relay, is valid UTF-8 on one line and bounded (see replyError).
func (s *SMTP) Send(ctx context.Context, m *mail.Msg) error {
	return cleanError(s.send(ctx, m))
}

func (s *SMTP) send(ctx context.Context, m *mail.Msg) error {
	if m == nil {
		return errors.New("smtp send: nil message")
	}
	c, err := s.pool.get(ctx)
	if err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	reused := c != nil
	if reused && time.Since(c.lastUsed) > maxIdle {
		c.raw.close()
		reused, c = false, nil
	}
	if c == nil {
		if c, err = s.dial(ctx); err != nil {
			s.pool.release()
			return err
		}
	}

	err = s.deliver(ctx, c, m)
	if err != nil && reused && staleConn(err) && ctx.Err() == nil {
		s.log.DebugContext(ctx, "smtp idle connection was closed by server, redialing", slog.Any("error", err))
		c.raw.close()
		if c, err = s.dial(ctx); err != nil {
			s.pool.release()
			return err
		}
		err = s.deliver(ctx, c, m)
	}
	if err != nil {
		s.log.DebugContext(ctx, "smtp connection dropped after error", slog.Any("error", err))
	}
	s.finish(c, err == nil)
	return err
}

// finish files c as idle when the transaction succeeded and nothing closed its
// socket meanwhile; otherwise it closes c. Either way the token goes back.
func (s *SMTP) finish(c *conn, healthy bool) {
	if healthy && !c.raw.isClosed() && s.pool.put(c) {
		return
	}
	_ = s.quit(c)
	s.pool.release()
}

// dial opens, greets, secures and authenticates a new connection.
func (s *SMTP) dial(ctx context.Context) (*conn, error) {
	raw := &rawConn{}
	stop := context.AfterFunc(ctx, raw.close)
	defer stop()
	client, err := s.client.DialToSMTPClientWithContext(context.WithValue(ctx, rawConnKey{}, raw))
	if err != nil {
		raw.close() // go-mail leaves it open when EHLO or STARTTLS fail
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("smtp dial %s: %w", s.target.addr(), err)
	}
	s.log.DebugContext(ctx, "smtp connection opened")
	return &conn{client: client, raw: raw}, nil
}

// deliver runs one mail transaction on c; a cancelled ctx closes the socket under it.
func (s *SMTP) deliver(ctx context.Context, c *conn, m *mail.Msg) error {
	stop := context.AfterFunc(ctx, c.raw.close)
	err := s.client.SendWithSMTPClient(c.client, m)
	if !stop() && err != nil {
		return fmt.Errorf("smtp send: %w (%v)", ctx.Err(), err)
	}
	if err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}

// quit says QUIT, briefly, and closes the socket whatever the answer.
func (s *SMTP) quit(c *conn) error {
	defer c.raw.close()
	if err := c.client.UpdateDeadline(min(quitTimeout, s.timeout)); err != nil {
		return err
	}
	return c.client.Quit()
}

// Close says QUIT on every idle connection and makes later Sends fail with ErrClosed.
// Connections busy in a Send are closed when that Send ends.
func (s *SMTP) Close() error {
	var errs []error
	for _, c := range s.pool.close() {
		if err := s.quit(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("smtp close: %w", err)
	}
	return nil
}
