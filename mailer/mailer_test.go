package mailer

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestNewPicksTransport(t *testing.T) {
	dir := t.TempDir()
	keyPEM, _ := newDKIMKey(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}))
	tests := []struct {
		name    string
		cfg     Config
		want    string // "smtp", "outbox" or the error message
		wantErr bool
	}{
		{"outbox without URL", Config{OutboxDir: dir}, "outbox", false},
		{"smtp with URL", Config{SMTPURL: "smtp://127.0.0.1:2525?tls=none"}, "smtp", false},
		{"smtp with DKIM", Config{SMTPURL: "smtp://127.0.0.1", DKIMKeyPEM: keyPEM,
			DKIMSelector: "s1", DKIMDomain: "caravan.example"}, "smtp", false},
		{"outbox with RSA DKIM", Config{OutboxDir: dir, DKIMKeyPEM: rsaPEM,
			DKIMSelector: "s1", DKIMDomain: "caravan.example"}, "outbox", false},
		{"neither URL nor folder", Config{},
			"outbox: no folder configured (set the outbox dir, or an SMTP URL)", true},
		{"bad URL", Config{SMTPURL: "smtp://h?tls=ssl"},
			`CARAVAN_SMTP_URL (--smtp-url): unknown tls mode "ssl" (want starttls, tls or none)`, true},
		{"half a DKIM setup", Config{OutboxDir: dir, DKIMSelector: "s1"},
			"dkim: DKIMKeyPEM, DKIMDomain missing (set key, selector and domain together)", true},
		{"DKIM domain too long to sign", Config{OutboxDir: dir, DKIMKeyPEM: keyPEM, DKIMSelector: "s1",
			DKIMDomain: strings.Repeat("sub.", 20) + "caravan.example"},
			"dkim: test signature: go-mail would fold the signature header inside a tag, " +
				"which breaks it: use a shorter domain or selector", true},
		{"DKIM key not PEM", Config{OutboxDir: dir, DKIMKeyPEM: "not a key", DKIMSelector: "s1",
			DKIMDomain: "caravan.example"}, "dkim: read private key: no valid PEM data found", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.cfg)
			if tc.wantErr {
				if err == nil || err.Error() != tc.want {
					t.Fatalf("New() error = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(): %v", err)
			}
			defer s.Close()
			switch s.(type) {
			case *SMTP:
				if tc.want != "smtp" {
					t.Errorf("New() = SMTP, want %s", tc.want)
				}
			case *Outbox:
				if tc.want != "outbox" {
					t.Errorf("New() = Outbox, want %s", tc.want)
				}
			}
		})
	}
}

func TestIsPermanentWithoutServerReply(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"nil", nil},
		{"plain error", errors.New("boom")},
		{"cancelled", fmt.Errorf("smtp send: %w", context.Canceled)},
		{"closed", ErrClosed},
	}
	for _, tc := range tests {
		if IsPermanent(tc.err) {
			t.Errorf("IsPermanent(%s) = true, want false", tc.name)
		}
	}
}
