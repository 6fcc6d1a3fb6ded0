package doctor

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer/doctor/doctortest"
	"github.com/caravan-news/caravan/mailer/internal/testcert"
)

// goodZone is example.org as a careful sender publishes it; %s is the DKIM p= value.
const goodZone = `
$ORIGIN example.org.
@                 IN MX  10 mx1.example.org.
@                 IN TXT "google-site-verification=abc"
@                 IN TXT "v=spf1 ip4:192.0.2.0/24 include:_spf.relay.test. " "mx ~all"
mx1               IN A   192.0.2.25
s1._domainkey     IN TXT "v=DKIM1; k=ed25519; p=%s"
_dmarc            IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"
_spf.relay.test.  IN TXT "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 include:_spf2.relay.test. -all"
_spf2.relay.test. IN TXT "v=spf1 a:out.relay.test. -all"
`

// goodConfig returns a configuration that passes every check against goodZone
// served on loopback, with a relay that takes STARTTLS and user/secret.
func goodConfig(t *testing.T) Config {
	t.Helper()
	keyPEM, p := doctortest.Ed25519Key(t)
	serverTLS, clientTLS := testcert.New(t)
	relay := startRelay(t, serverTLS, "caravan", "s3cret")
	return Config{
		From: "Asie centrale <newsletter@example.org>", BaseURL: "https://news.example.org",
		SMTPURL: "smtp://caravan:s3cret@" + relay, Resolver: doctortest.StartDNS(t, strings.ReplaceAll(goodZone, "%s", p)),
		DKIMKeyPEM: keyPEM, DKIMSelector: "s1", DKIMDomain: "example.org",
		Timeout: 5 * time.Second, TLS: clientTLS,
	}
}

func TestRunAllPass(t *testing.T) {
	results := Run(context.Background(), goodConfig(t))
	var out bytes.Buffer
	failed := Write(&out, results)
	if failed != 0 {
		t.Fatalf("%d failed:\n%s", failed, out.String())
	}
	for _, want := range []string{
		"ok    spf    example.org publishes",
		"(4 of 10 DNS lookups)",
		"ok    dkim   s1._domainkey.example.org publishes the ed25519 key",
		"ok    dmarc  _dmarc.example.org has p=quarantine",
		"ok    mx     example.org receives mail at mx1.example.org",
		"accepts a starttls session as caravan",
		"ok    https",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(out.String(), "\n"); n != 6 {
		t.Errorf("%d lines, want one per check (6):\n%s", n, out.String())
	}
}

func TestUnreachableResolver(t *testing.T) {
	cfg := goodConfig(t)
	cfg.Resolver = doctortest.SilentResolver(t)
	cfg.Timeout = 300 * time.Millisecond
	results := Run(context.Background(), cfg)
	for _, r := range results[:4] {
		if r.OK || !strings.Contains(r.Say, "did not answer") || !strings.Contains(r.Say, cfg.Resolver) {
			t.Errorf("%s: %+v, want a failure naming the silent resolver", r.Check, r)
		}
	}
	if !results[4].OK || !results[5].OK {
		t.Errorf("relay and https do not need DNS: %+v", results[4:])
	}
}

func TestRelayFailures(t *testing.T) {
	serverTLS, clientTLS := testcert.New(t)
	relay := startRelay(t, serverTLS, "caravan", "s3cret")
	for _, tc := range []struct{ name, url, want string }{
		{"wrong password", "smtp://caravan:wrong@" + relay, "535"},
		{"nobody listening", "smtp://caravan:s3cret@127.0.0.1:1", "smtp dial 127.0.0.1:1"},
		{"cleartext", "smtp://caravan:s3cret@" + relay + "?tls=none", "without encryption"},
		{"no relay", "", "CARAVAN_SMTP_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := checkRelay(context.Background(), Config{SMTPURL: tc.url, Timeout: 2 * time.Second, TLS: clientTLS})
			if r.OK || !strings.Contains(r.Say, tc.want) {
				t.Fatalf("got %+v, want a failure saying %q", r, tc.want)
			}
			if strings.Contains(r.Say, "s3cret") {
				t.Fatalf("the password leaked: %s", r.Say)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	if r := checkBaseURL("http://localhost:8080"); r.OK || !strings.Contains(r.Say, "https") {
		t.Fatalf("http passed: %+v", r)
	}
	if r := checkBaseURL("https://news.example.org"); !r.OK {
		t.Fatalf("https failed: %+v", r)
	}
}

func TestFromDomain(t *testing.T) {
	results := Run(context.Background(), Config{From: "Newsletter <newsletter@localhost>", Resolver: doctortest.SilentResolver(t), Timeout: time.Second})
	if results[0].Check != "from" || results[0].OK || !strings.Contains(results[0].Say, "CARAVAN_FROM") {
		t.Fatalf("got %+v", results[0])
	}
}
