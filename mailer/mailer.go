// Package mailer delivers finished messages. It is transport only: callers build a
// *mail.Msg (github.com/wneessen/go-mail) and hand it to a Sender, which either speaks
// SMTP through a small pool of reused connections or, in development, writes the very
// same bytes as .eml files into a folder.
//
// The package imports none of Caravan's packages.
package mailer

import (
	"context"
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/wneessen/go-mail"
)

// Defaults applied by New, NewSMTP and NewOutbox to zero Config fields.
const (
	// DefaultWorkers is the number of SMTP connections when Config.Workers <= 0.
	DefaultWorkers = 4
	// DefaultTimeout bounds each SMTP dial and transaction when Config.Timeout <= 0.
	DefaultTimeout = 30 * time.Second
)

// Sender delivers one message. Implementations are safe for concurrent use by many
// goroutines.
type Sender interface {
	// Send delivers m, or returns an error that IsPermanent classifies.
	Send(ctx context.Context, m *mail.Msg) error
	// Close releases the transport's connections; do not Send afterwards.
	Close() error
}

// Config selects and configures a transport.
type Config struct {
	// SMTPURL is smtp://user:pass@host:port?tls=starttls|tls|none. The empty string
	// selects the outbox. See NewSMTP for the defaults.
	SMTPURL string
	// OutboxDir is the folder for .eml files when SMTPURL is empty; it is created if
	// missing.
	OutboxDir string
	// Workers is the most SMTP connections kept open and reused (DefaultWorkers if <= 0).
	Workers int
	// Timeout bounds each SMTP dial and each message transaction (DefaultTimeout if <= 0).
	Timeout time.Duration
	// HELO is the name sent in EHLO/HELO; the host name when empty.
	HELO string
	// DKIMKeyPEM is a PEM-encoded RSA or Ed25519 private key (the contents, not a path).
	// When it is set together with DKIMSelector and DKIMDomain, every message is
	// DKIM-signed, by both transports: Send attaches the signer to the Msg.
	DKIMKeyPEM string
	// DKIMSelector is the selector published as <selector>._domainkey.<domain>.
	DKIMSelector string
	// DKIMDomain is the signing domain (d=).
	DKIMDomain string
	// TLS, when set, is the TLS configuration for reaching the relay (the server
	// name is always the relay's host); tests trust their own authority with it.
	// The system's certificate authorities when nil.
	TLS *tls.Config
	// Logger receives debug records about connections; nothing is logged when nil.
	Logger *slog.Logger
}

// New returns the SMTP transport when cfg.SMTPURL is set and the outbox otherwise.
func New(cfg Config) (Sender, error) {
	// Each branch checks err itself so that a failure returns a nil interface, not
	// an interface holding a nil pointer.
	if cfg.SMTPURL == "" {
		o, err := NewOutbox(cfg)
		if err != nil {
			return nil, err
		}
		return o, nil
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// withDefaults fills the zero fields of cfg.
func (cfg Config) withDefaults() Config {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}
