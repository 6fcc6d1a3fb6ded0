package bounce

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/caravan-news/caravan/store"
)

// SendGrid reads SendGrid's Event Webhook, signed with ECDSA (Signed Event Webhook).
type SendGrid struct {
	PublicKey *ecdsa.PublicKey
}

// The headers that carry SendGrid's signature.
const (
	SendGridSignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	SendGridTimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// ParseSendGridKey reads the verification key SendGrid shows under Mail Settings:
// a base64 SubjectPublicKeyInfo, with or without PEM framing.
func ParseSendGridKey(b64 string) (*ecdsa.PublicKey, error) {
	der, err := base64.StdEncoding.DecodeString(pemBody(b64))
	if err != nil {
		return nil, fmt.Errorf("sendgrid public key: not base64: %w", err)
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("sendgrid public key: %w", err)
	}
	ec, ok := key.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("sendgrid public key: not an ECDSA key")
	}
	return ec, nil
}

// sendgridEvent is the part of one SendGrid event Caravan reads.
type sendgridEvent struct {
	Email  string `json:"email"`
	Event  string `json:"event"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// Events checks the signature (ECDSA over SHA-256 of the timestamp header
// followed by the raw body, ASN.1 DER in base64) and reads the batch of events.
// A bounce counts by its RFC 3463 status (a "blocked" one is about the sender
// and counts for nothing), "spamreport" is a complaint, and a drop because
// SendGrid already knows the address bounced or complained counts as such.
func (s SendGrid) Events(body []byte, signature, timestamp string) ([]Event, error) {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || timestamp == "" || s.PublicKey == nil {
		return nil, ErrSignature
	}
	sum := sha256.Sum256(append([]byte(timestamp), body...))
	if !ecdsa.VerifyASN1(s.PublicKey, sum[:], sig) {
		return nil, ErrSignature
	}
	var batch []sendgridEvent
	if err := json.Unmarshal(body, &batch); err != nil {
		return nil, fmt.Errorf("%w: want a JSON array of events: %v", ErrPayload, err)
	}
	var out []Event
	for _, e := range batch {
		ev := Event{Email: e.Email, Reason: e.Event + ": " + e.Reason}
		switch {
		case e.Event == "spamreport":
			ev.Kind = store.BounceComplaint
		case e.Event == "bounce" && e.Type != "blocked":
			ev.Kind, _, _ = statusKind(e.Status, e.Reason)
		case e.Event == "dropped" && e.Reason == "Bounced Address":
			ev.Kind = store.BounceHard
		case e.Event == "dropped" && e.Reason == "Spam Reporting Address":
			ev.Kind = store.BounceComplaint
		}
		out = append(out, ev)
	}
	return events(out...), nil
}

// pemBody returns the base64 inside PEM framing, or s itself, without whitespace.
func pemBody(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); !strings.HasPrefix(line, "-----") {
			b.WriteString(line)
		}
	}
	return strings.Join(strings.Fields(b.String()), "")
}
