package doctor

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// startRelay runs an SMTP server on 127.0.0.1 that offers STARTTLS with conf and
// requires AUTH PLAIN as user/pass once encrypted. It returns host:port.
func startRelay(t *testing.T, conf *tls.Config, user, pass string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := smtp.NewServer(relayBackend{user, pass})
	s.Domain = "relay.test"
	s.TLSConfig = conf
	s.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return l.Addr().String()
}

type relayBackend struct{ user, pass string }

func (b relayBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{b: b}, nil }

type relaySession struct {
	b    relayBackend
	auth bool
}

func (s *relaySession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *relaySession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.auth = true
		return nil
	}), nil
}

func (s *relaySession) Mail(string, *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}
func (s *relaySession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *relaySession) Data(io.Reader) error                 { return errors.New("not in these tests") }
func (s *relaySession) Reset()                               {}
func (s *relaySession) Logout() error                        { return nil }
