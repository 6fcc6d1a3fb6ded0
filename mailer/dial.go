package mailer

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
)

// The mailer dials the sockets itself (mail.WithDialContextFunc) instead of leaving it
// to go-mail, for three reasons: go-mail v0.8.1 does not close the socket when EHLO or
// STARTTLS fail after connecting; a cancelled ctx must be able to break a read
// that is blocked on the server; and go-mail formats the address as host:port, which
// breaks IPv6 literals.

// rawConn holds the socket of one connection so that another goroutine can close it.
type rawConn struct {
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// set records c, closing it at once if close came first.
func (r *rawConn) set(c net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conn = c
	if r.closed {
		_ = c.Close()
	}
}

// close closes the socket, now or as soon as it is set. Closing the socket under a
// TLS session, not the session, never blocks on a pending write.
func (r *rawConn) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.conn != nil {
		_ = r.conn.Close()
	}
}

// isClosed reports whether close was called.
func (r *rawConn) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// rawConnKey carries the *rawConn of one dial through go-mail to dialer.dial.
type rawConnKey struct{}

// dialer connects to one SMTP server.
type dialer struct {
	addr string
	tls  *tls.Config // set for implicit TLS only; go-mail itself runs STARTTLS
}

// dial opens a connection to d.addr, ignoring the address go-mail passes, and records
// the socket in the *rawConn found in ctx.
func (d *dialer) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, err
	}
	if raw, ok := ctx.Value(rawConnKey{}).(*rawConn); ok {
		raw.set(c)
	}
	if d.tls == nil {
		return c, nil
	}
	tc := tls.Client(c, d.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return tc, nil
}
