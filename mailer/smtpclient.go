package mailer

import (
	"crypto/tls"

	"github.com/wneessen/go-mail"
)

// newClient configures the go-mail client that dials, greets, secures and
// authenticates every pooled connection, and signs every message when signer is set.
// A nil tlsConf means the system's certificate authorities.
func newClient(t target, cfg Config, tlsConf *tls.Config, signer *mail.DKIMSigner) (*mail.Client, error) {
	if tlsConf == nil {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsConf = tlsConf.Clone()
	tlsConf.ServerName = t.host

	d := &dialer{addr: t.addr()}
	opts := []mail.Option{
		mail.WithPort(t.port),
		mail.WithTimeout(cfg.Timeout),
		mail.WithTLSConfig(tlsConf),
		mail.WithDialContextFunc(d.dial),
		// The pool sends one message per transaction; NOOP before it and RSET after it
		// would only add round trips. go-mail still sends RSET after a failure.
		mail.WithoutNoop(),
		mail.WithoutRset(),
	}
	switch t.tls {
	case tlsImplicit:
		d.tls = tlsConf // our dialer, not go-mail, runs the handshake (see dial.go)
		opts = append(opts, mail.WithSSL())
	case tlsStartTLS:
		// WithTLSPolicy, not WithTLSPortPolicy: the latter rewrites an explicit port 25.
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case tlsNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if t.user != "" {
		opts = append(opts, mail.WithUsername(t.user), mail.WithPassword(t.pass), authOption(t.tls))
	}
	if cfg.HELO != "" {
		opts = append(opts, mail.WithHELO(cfg.HELO))
	}
	if signer != nil {
		opts = append(opts, mail.WithAlwaysDKIMSign(signer))
	}
	return mail.NewClient(t.host, opts...)
}

// authOption picks the SMTP AUTH mechanism. go-mail's auto-discovery refuses PLAIN
// and LOGIN on a connection it did not encrypt itself, which includes the implicit
// TLS our dialer sets up and a tls=none server where the operator chose cleartext.
func authOption(mode tlsMode) mail.Option {
	switch mode {
	case tlsStartTLS:
		return mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover)
	case tlsImplicit:
		return mail.WithSMTPAuth(mail.SMTPAuthPlain)
	default:
		return mail.WithSMTPAuth(mail.SMTPAuthPlainNoEnc)
	}
}
