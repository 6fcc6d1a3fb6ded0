package mailer

import (
	"context"
	"fmt"
)

// Relay describes the relay an SMTP transport talks to.
type Relay struct {
	Addr string // host:port
	// TLS is "starttls", "tls" or "none".
	TLS string
	// User is the user name it authenticates as, "" when it sends no credentials.
	User string
}

// Relay returns the relay s talks to.
func (s *SMTP) Relay() Relay {
	return Relay{Addr: s.target.addr(), TLS: string(s.target.tls), User: s.target.user}
}

// Probe opens one connection as Send would (greeting, STARTTLS or TLS, AUTH) and
// says QUIT without sending anything: it proves the relay is reachable and takes the
// credentials. It is not pooled.
func (s *SMTP) Probe(ctx context.Context) error {
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	if err := s.quit(c); err != nil {
		return fmt.Errorf("smtp quit: %w", err)
	}
	return nil
}
