package mailer

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// verifyDKIM checks the DKIM-Signature of raw against pub the way a receiver does
// (RFC 6376 with relaxed/relaxed canonicalization, RFC 8463 Ed25519), written apart
// from go-mail so that a signing bug cannot hide behind the same code. It returns the
// signature's tags.
func verifyDKIM(t *testing.T, raw []byte, pub ed25519.PublicKey) map[string]string {
	t.Helper()
	tags, err := checkDKIM(raw, pub)
	if err != nil {
		t.Fatal(err)
	}
	return tags
}

// checkDKIM is verifyDKIM returning what is wrong, for tests that expect a failure.
func checkDKIM(raw []byte, pub ed25519.PublicKey) (map[string]string, error) {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		return nil, errors.New("message has no header/body separator")
	}
	fields := splitFields(string(head) + "\r\n")
	var sigField string
	for _, f := range fields {
		if strings.EqualFold(fieldName(f), "DKIM-Signature") {
			sigField = f
			break
		}
	}
	if sigField == "" {
		return nil, errors.New("no DKIM-Signature header")
	}
	tags := map[string]string{}
	for _, tag := range strings.Split(sigField[len("DKIM-Signature:"):], ";") {
		k, v, _ := strings.Cut(strings.Join(strings.Fields(tag), ""), "=")
		if k != "" {
			tags[k] = v
		}
	}
	if tags["c"] != "relaxed/relaxed" || tags["a"] != "ed25519-sha256" {
		return nil, fmt.Errorf("unexpected c=%q a=%q", tags["c"], tags["a"])
	}

	bh := sha256.Sum256(relaxedBody(body))
	if got := base64.StdEncoding.EncodeToString(bh[:]); got != tags["bh"] {
		return nil, fmt.Errorf("body hash %s, signature says %s", got, tags["bh"])
	}

	// Signed fields are taken from the bottom up, each instance once (RFC 6376 5.4.2).
	used := map[int]bool{}
	var in strings.Builder
	for _, name := range strings.Split(tags["h"], ":") {
		for i := len(fields) - 1; i >= 0; i-- {
			if !used[i] && strings.EqualFold(fieldName(fields[i]), name) {
				used[i] = true
				in.WriteString(relaxedHeader(fields[i]) + "\r\n")
				break
			}
		}
	}
	emptyB := regexp.MustCompile(`(^|[;\s])b=[^;]*`)
	in.WriteString(relaxedHeader(emptyB.ReplaceAllString(sigField, "${1}b=")))
	sig, err := base64.StdEncoding.DecodeString(tags["b"])
	if err != nil {
		return nil, fmt.Errorf("decode b=: %v", err)
	}
	hash := sha256.Sum256([]byte(in.String()))
	if !ed25519.Verify(pub, hash[:], sig) {
		return nil, errors.New("DKIM signature does not verify")
	}
	return tags, nil
}

// splitFields splits a header block into fields, each with its continuation lines
// and without the final CRLF.
func splitFields(head string) []string {
	var fields []string
	for _, line := range strings.SplitAfter(head, "\r\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(fields) > 0 {
			fields[len(fields)-1] += line
			continue
		}
		fields = append(fields, line)
	}
	for i := range fields {
		fields[i] = strings.TrimSuffix(fields[i], "\r\n")
	}
	return fields
}

func fieldName(f string) string {
	name, _, _ := strings.Cut(f, ":")
	return strings.TrimSpace(name)
}

var wsp = regexp.MustCompile(`[ \t]+`)

// relaxedHeader is RFC 6376 3.4.2.
func relaxedHeader(f string) string {
	name, value, _ := strings.Cut(f, ":")
	value = strings.ReplaceAll(value, "\r\n", "")
	value = strings.TrimSpace(wsp.ReplaceAllString(value, " "))
	return strings.ToLower(strings.TrimSpace(name)) + ":" + value
}

// relaxedBody is RFC 6376 3.4.4.
func relaxedBody(body []byte) []byte {
	lines := strings.Split(string(body), "\r\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(wsp.ReplaceAllString(l, " "), " ")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}
