package mailer

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("mailer: sender closed")

// conn is one SMTP session with the server.
type conn struct {
	client   *smtp.Client
	raw      *rawConn // the socket under client, closed to abort a blocked read
	lastUsed time.Time
}

// pool bounds the open SMTP connections and keeps idle ones for reuse.
//
// Every open connection is either idle or held by a goroutine owning a token, and a
// goroutine only dials when it found no idle connection while owning its token. As
// put files a connection as idle before giving the token back, idle plus busy never
// exceeds the number of tokens.
type pool struct {
	tokens chan struct{}

	mu     sync.Mutex
	idle   []*conn // most recently used last
	closed bool
}

// newPool returns a pool allowing size open connections.
func newPool(size int) *pool {
	return &pool{tokens: make(chan struct{}, size)}
}

// get waits for a token and returns it with the most recently used idle connection,
// or with a nil one when none is idle and the caller should dial. Every successful get
// must end in put or release.
func (p *pool) get(ctx context.Context) (idle *conn, err error) {
	select {
	case p.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		<-p.tokens
		return nil, ErrClosed
	}
	n := len(p.idle)
	if n == 0 {
		return nil, nil
	}
	c := p.idle[n-1]
	p.idle = p.idle[:n-1]
	return c, nil
}

// put files c as idle and gives the token back. When the pool is closed it keeps
// nothing, not even the token, and reports false: the caller closes c and then calls
// release.
func (p *pool) put(c *conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	c.lastUsed = time.Now()
	p.idle = append(p.idle, c)
	<-p.tokens
	return true
}

// release gives a token back without a connection, after the caller closed it.
func (p *pool) release() {
	<-p.tokens
}

// close marks the pool closed and hands back the idle connections for closing.
// Connections in use are refused by put later.
func (p *pool) close() []*conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	return idle
}
