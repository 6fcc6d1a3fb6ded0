package doctor

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer/doctor/doctortest"
)

// check runs one DNS check of newsletter@example.org against zone on loopback.
func check(t *testing.T, fn func(context.Context, *resolver, Config, string) Result, zone string, cfg Config) Result {
	t.Helper()
	r := &resolver{addr: doctortest.StartDNS(t, "$ORIGIN example.org.\n"+zone), timeout: 5 * time.Second}
	return fn(context.Background(), r, cfg, "example.org")
}

func TestSPF(t *testing.T) {
	// twelve includes, each one lookup: over the limit.
	var many strings.Builder
	many.WriteString(`@ IN TXT "v=spf1`)
	for i := range 11 {
		fmt.Fprintf(&many, " include:i%d.example.org", i)
	}
	many.WriteString(" -all\"\n")
	for i := range 11 {
		fmt.Fprintf(&many, "i%d IN TXT \"v=spf1 ip4:192.0.2.%d -all\"\n", i, i)
	}
	for _, tc := range []struct {
		name, zone string
		ok         bool
		want       string
	}{
		{"plain", `@ IN TXT "v=spf1 ip4:192.0.2.1 -all"`, true, "(0 of 10 DNS lookups)"},
		{"redirect", "@ IN TXT \"v=spf1 redirect=_spf.example.org\"\n_spf IN TXT \"v=spf1 mx -all\"", true, "(2 of 10"},
		{"missing", `@ IN TXT "hello"`, false, "has no SPF record: publish TXT"},
		{"no domain at all", `other IN TXT "v=spf1 -all"`, false, "has no SPF record"},
		{"two records", "@ IN TXT \"v=spf1 -all\"\n@ IN TXT \"v=spf1 mx -all\"", false, "2 SPF records"},
		{"too many lookups", many.String(), false, "needs 11 DNS lookups, more than 10"},
		{"unknown mechanism", `@ IN TXT "v=spf1 ipv4:192.0.2.1 -all"`, false, `unknown mechanism "ipv4:192.0.2.1"`},
		{"bad address", `@ IN TXT "v=spf1 ip4:192.0.2.300 -all"`, false, "not an address or range"},
		{"wrong family", `@ IN TXT "v=spf1 ip6:192.0.2.1 -all"`, false, "wrong address family"},
		{"include without record", "@ IN TXT \"v=spf1 include:gone.example.org -all\"", false, "included gone.example.org has no SPF record"},
		{"loop", "@ IN TXT \"v=spf1 include:a.example.org -all\"\na IN TXT \"v=spf1 include:example.org -all\"", false, "loop"},
		{"plus all", `@ IN TXT "v=spf1 mx +all"`, false, "+all"},
		{"no all", `@ IN TXT "v=spf1 mx"`, false, "no final all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, checkSPF, tc.zone, Config{})
			if r.OK != tc.ok || !strings.Contains(r.Say, tc.want) {
				t.Fatalf("got %+v, want ok=%v saying %q", r, tc.ok, tc.want)
			}
		})
	}
}

func TestDKIM(t *testing.T) {
	keyPEM, p := doctortest.Ed25519Key(t)
	_, otherP := doctortest.Ed25519Key(t)
	cfg := Config{DKIMKeyPEM: keyPEM, DKIMSelector: "s1", DKIMDomain: "example.org"}
	publish := fmt.Sprintf("publish TXT \"v=DKIM1; k=ed25519; p=%s\"", p)
	for _, tc := range []struct {
		name, zone string
		cfg        Config
		ok         bool
		want       string
	}{
		{"matches", `s1._domainkey IN TXT "v=DKIM1; k=ed25519; p=` + p + `"`, cfg, true, "publishes the ed25519 key"},
		{"split strings", `s1._domainkey IN TXT "v=DKIM1; k=ed25519; " "p=` + p[:20] + `" "` + p[20:] + `"`, cfg, true, "publishes"},
		{"missing", `other IN TXT "x"`, cfg, false, "no key published at s1._domainkey.example.org: " + publish},
		{"other key", `s1._domainkey IN TXT "v=DKIM1; k=ed25519; p=` + otherP + `"`, cfg, false, "not the one Caravan signs with"},
		{"rsa default", `s1._domainkey IN TXT "v=DKIM1; p=` + p + `"`, cfg, false, "not the one"},
		{"revoked", `s1._domainkey IN TXT "v=DKIM1; k=ed25519; p="`, cfg, false, "revoked"},
		{"signing off", `s1._domainkey IN TXT "v=DKIM1; k=ed25519; p=` + p + `"`, Config{}, false, "signing is off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, checkDKIM, tc.zone, tc.cfg)
			if r.OK != tc.ok || !strings.Contains(r.Say, tc.want) {
				t.Fatalf("got %+v, want ok=%v saying %q", r, tc.ok, tc.want)
			}
		})
	}
}

func TestDKIMRecordRSA(t *testing.T) {
	// An RSA key's record is its SubjectPublicKeyInfo, the form "openssl rsa -pubout" prints.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dkimRecord(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	if err != nil {
		t.Fatal(err)
	}
	spki, err := base64.StdEncoding.DecodeString(got.p)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		t.Fatalf("p= is not a SubjectPublicKeyInfo: %v", err)
	}
	if got.k != "rsa" || !key.PublicKey.Equal(pub) {
		t.Fatalf("got k=%s and a key that is not ours", got.k)
	}
}

func TestDMARC(t *testing.T) {
	cfg := Config{DKIMDomain: "example.org"}
	for _, tc := range []struct {
		name, zone string
		cfg        Config
		ok         bool
		want       string
	}{
		{"reject", `_dmarc IN TXT "v=DMARC1; p=reject"`, cfg, true, "p=reject; DKIM domain example.org aligns"},
		{"none says to tighten", `_dmarc IN TXT "v=DMARC1;p=none"`, cfg, true, "move to quarantine"},
		{"missing", `@ IN TXT "v=spf1 -all"`, cfg, false, "publish TXT at _dmarc.example.org \"v=DMARC1; p=none"},
		{"no policy", `_dmarc IN TXT "v=DMARC1; rua=mailto:d@example.org"`, cfg, false, "no valid policy"},
		{"bad policy", `_dmarc IN TXT "v=DMARC1; p=block"`, cfg, false, "no valid policy"},
		{"two records", "_dmarc IN TXT \"v=DMARC1; p=none\"\n_dmarc IN TXT \"v=DMARC1; p=reject\"", cfg, false, "2 DMARC records"},
		{"relaxed subdomain aligns", `_dmarc IN TXT "v=DMARC1; p=reject"`, Config{DKIMDomain: "mail.example.org"}, true, "aligns"},
		{"strict subdomain does not", `_dmarc IN TXT "v=DMARC1; p=reject; adkim=s"`, Config{DKIMDomain: "mail.example.org"}, false, "(strict alignment, adkim=s): sign with d=example.org"},
		{"other domain", `_dmarc IN TXT "v=DMARC1; p=reject"`, Config{DKIMDomain: "relay.test"}, false, "does not align"},
		{"no DKIM", `_dmarc IN TXT "v=DMARC1; p=reject"`, Config{}, false, "set CARAVAN_DKIM_DOMAIN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, checkDMARC, tc.zone, tc.cfg)
			if r.OK != tc.ok || !strings.Contains(r.Say, tc.want) {
				t.Fatalf("got %+v, want ok=%v saying %q", r, tc.ok, tc.want)
			}
		})
	}
}

func TestDMARCOrganizationalDomain(t *testing.T) {
	// news.example.org has no record of its own: example.org's applies (RFC 7489 6.6.3).
	r := &resolver{addr: doctortest.StartDNS(t, "$ORIGIN example.org.\n_dmarc IN TXT \"v=DMARC1; p=quarantine\""), timeout: 5 * time.Second}
	res := checkDMARC(context.Background(), r, Config{DKIMDomain: "news.example.org"}, "news.example.org")
	if !res.OK || !strings.Contains(res.Say, "_dmarc.example.org has p=quarantine") {
		t.Fatalf("got %+v", res)
	}
}

func TestMX(t *testing.T) {
	for _, tc := range []struct {
		name, zone string
		ok         bool
		want       string
	}{
		{"two", "@ IN MX 10 mx1.example.org.\n@ IN MX 20 mx2.example.net.", true, "mx1.example.org, mx2.example.net"},
		{"none", `@ IN TXT "v=spf1 -all"`, false, "publish an MX record"},
		{"null MX", `@ IN MX 0 .`, false, "receives no mail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := check(t, checkMX, tc.zone, Config{})
			if r.OK != tc.ok || !strings.Contains(r.Say, tc.want) {
				t.Fatalf("got %+v, want ok=%v saying %q", r, tc.ok, tc.want)
			}
		})
	}
}
