package mailer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wneessen/go-mail"
)

// dkimHeaders are the header fields covered by the signature. RFC 8058 requires
// List-Unsubscribe and List-Unsubscribe-Post to be signed for one-click unsubscribe,
// and mailbox providers only trust a signed Feedback-ID; a field missing from a
// message is still listed, which stops anyone from adding it later (RFC 6376 5.4).
// The h= tag must fit on one folded line (see checkFolding), at most 72 characters:
// that leaves out Message-ID, which is not among RFC 6376 5.4.1's recommended fields.
var dkimHeaders = []string{
	"From", "To", "Subject", "Date",
	"List-Unsubscribe", "List-Unsubscribe-Post", "Feedback-ID",
}

// newDKIMSigner builds the signer described by cfg, or returns nil when cfg asks for
// no signing. Setting only some of the three DKIM fields is an error.
func newDKIMSigner(cfg Config) (*mail.DKIMSigner, error) {
	var missing []string
	if cfg.DKIMKeyPEM == "" {
		missing = append(missing, "DKIMKeyPEM")
	}
	if cfg.DKIMSelector == "" {
		missing = append(missing, "DKIMSelector")
	}
	if cfg.DKIMDomain == "" {
		missing = append(missing, "DKIMDomain")
	}
	switch len(missing) {
	case 3:
		return nil, nil
	case 0:
	default:
		return nil, fmt.Errorf("dkim: %s missing (set key, selector and domain together)",
			strings.Join(missing, ", "))
	}

	key, err := mail.PrivKeyFromPEM([]byte(cfg.DKIMKeyPEM))
	if err != nil {
		return nil, fmt.Errorf("dkim: read private key: %w", err)
	}
	signer := mail.NewDKIMSigner(cfg.DKIMDomain, cfg.DKIMSelector, key)
	signer.SignHeaders(dkimHeaders...)
	if err := signer.ValidateConfig(); err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	if err := primeSigner(signer); err != nil {
		return nil, fmt.Errorf("dkim: test signature: %w", err)
	}
	return signer, nil
}

// primeSigner signs a throw-away message once. go-mail's signer records its algorithm
// on the first Sign, an unsynchronised write; doing it here, before the signer is
// shared, leaves later concurrent Signs only reading. It also proves the key works and
// checks the folding of the header it produced.
func primeSigner(signer *mail.DKIMSigner) error {
	header, err := signer.Sign([]byte("From: a@example.org\r\n"), []byte("\r\n"))
	if err != nil {
		return err
	}
	return checkFolding(header)
}

// checkFolding guards against a go-mail v0.8.1 bug: it signs the DKIM-Signature
// header unfolded but may fold it in the middle of a tag (a long h=, d= or s=), and
// relaxed canonicalization keeps such a fold as a space, so every receiver would
// reject the signature. Folds after "; " are harmless, as is anything in b=, the last
// tag. Every tag but b= has the same length in every signature made with one
// configuration, so checking one header is enough.
func checkFolding(header string) error {
	tags := header[:strings.LastIndex(header, ";")]
	if collapseWSP(tags) != collapseWSP(strings.ReplaceAll(tags, "\r\n ", "")) {
		return errors.New("go-mail would fold the signature header inside a tag, " +
			"which breaks it: use a shorter domain or selector")
	}
	return nil
}

// collapseWSP replaces every run of spaces, tabs and line breaks with one space.
func collapseWSP(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
