package doctor

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/wneessen/go-mail"
)

// checkDKIM compares the public key published at the configured selector with the
// configured private key, and says what to publish when they differ.
func checkDKIM(ctx context.Context, r *resolver, cfg Config, _ string) Result {
	if cfg.DKIMKeyPEM == "" || cfg.DKIMSelector == "" || cfg.DKIMDomain == "" {
		return fail("dkim", "signing is off: Gmail, Yahoo and Outlook.com reject unsigned bulk mail; "+
			"set CARAVAN_DKIM_KEY, CARAVAN_DKIM_SELECTOR and CARAVAN_DKIM_DOMAIN (see README, DKIM)")
	}
	want, err := dkimRecord(cfg.DKIMKeyPEM)
	if err != nil {
		return fail("dkim", "CARAVAN_DKIM_KEY: %v", err)
	}
	name := cfg.DKIMSelector + "._domainkey." + strings.TrimSuffix(cfg.DKIMDomain, ".")
	txts, err := r.txt(ctx, name)
	if err != nil {
		return fail("dkim", "%v", err)
	}
	var records []string
	for _, t := range txts {
		if tags := dkimTags(t); tags["p"] != "" || strings.HasPrefix(t, "v=DKIM1") {
			records = append(records, t)
		}
	}
	if len(records) == 0 {
		return fail("dkim", "no key published at %s: publish TXT %q", name, want.String())
	}
	if len(records) > 1 {
		return fail("dkim", "%s has %d key records: keep only %q", name, len(records), want.String())
	}
	got := dkimTags(records[0])
	switch {
	case got["v"] != "" && got["v"] != "DKIM1":
		return fail("dkim", "%s has v=%s: publish TXT %q", name, got["v"], want.String())
	case got["p"] == "":
		return fail("dkim", "the key at %s is revoked (empty p=): publish TXT %q", name, want.String())
	case orDefault(got["k"], "rsa") != want.k || got["p"] != want.p:
		return fail("dkim", "the key at %s is not the one Caravan signs with: replace it by TXT %q", name, want.String())
	}
	return pass("dkim", "%s publishes the %s key Caravan signs with", name, want.k)
}

// dkimKey is the public half of the signing key as a DKIM record states it.
type dkimKey struct{ k, p string }

// String is the TXT value to publish.
func (d dkimKey) String() string { return "v=DKIM1; k=" + d.k + "; p=" + d.p }

// dkimRecord derives the record to publish from a PEM private key: RSA keys as
// SubjectPublicKeyInfo (RFC 6376 3.6.1), Ed25519 keys as the raw 32 bytes (RFC 8463).
func dkimRecord(keyPEM string) (dkimKey, error) {
	key, err := mail.PrivKeyFromPEM([]byte(keyPEM))
	if err != nil {
		return dkimKey{}, fmt.Errorf("read private key: %w", err)
	}
	switch pub := key.Public().(type) {
	case ed25519.PublicKey:
		return dkimKey{"ed25519", base64.StdEncoding.EncodeToString(pub)}, nil
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return dkimKey{}, err
		}
		return dkimKey{"rsa", base64.StdEncoding.EncodeToString(der)}, nil
	default:
		return dkimKey{}, fmt.Errorf("unsupported key type %T", crypto.PublicKey(pub))
	}
}

// dkimTags reads a tag=value list (RFC 6376 3.2); whitespace inside values, as
// in a p= split across strings, is dropped.
func dkimTags(record string) map[string]string {
	tags := map[string]string{}
	for _, part := range strings.Split(record, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		tags[strings.TrimSpace(k)] = strings.Join(strings.Fields(v), "")
	}
	return tags
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
