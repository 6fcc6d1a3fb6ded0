package mailer

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"
)

// newTestMsg builds a digest-like message: text with an HTML alternative and RFC 8058
// one-click unsubscribe headers.
func newTestMsg(t *testing.T, to string) *mail.Msg {
	t.Helper()
	m := mail.NewMsg()
	if err := m.From(`"Caravan" <news@caravan.example>`); err != nil {
		t.Fatal(err)
	}
	if err := m.To(to); err != nil {
		t.Fatal(err)
	}
	m.Subject("Your weekly digest ✓")
	if err := m.SetListUnsubscribeOneClick("https://caravan.example/u/tok3n"); err != nil {
		t.Fatal(err)
	}
	m.SetBodyString(mail.TypeTextPlain, "Hello reader,\nthree new articles this week.\n")
	m.AddAlternativeString(mail.TypeTextHTML, "<p>Hello reader,</p><p>three new articles this week.</p>")
	return m
}

// newDKIMKey returns a fresh Ed25519 key, PEM-encoded as PKCS#8, and its public half.
func newDKIMKey(t *testing.T) (string, ed25519.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), pub
}

// newTestTLS returns a server configuration with a self-signed certificate for
// 127.0.0.1 and a client configuration that trusts it.
func newTestTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "caravan test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: roots}
}

// eventually fails the test unless cond becomes true within two seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// countingListener counts the sockets the server accepts and keeps them for closeAll.
type countingListener struct {
	net.Listener
	ts *testServer
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.ts.mu.Lock()
	defer l.ts.mu.Unlock()
	l.ts.open++
	l.ts.maxOpen = max(l.ts.maxOpen, l.ts.open)
	cc := &countedConn{Conn: c, ts: l.ts}
	l.ts.sockets = append(l.ts.sockets, cc)
	return cc, nil
}

// countedConn lowers the open count once when closed.
type countedConn struct {
	net.Conn
	ts   *testServer
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.ts.mu.Lock()
		c.ts.open--
		c.ts.mu.Unlock()
	})
	return c.Conn.Close()
}
