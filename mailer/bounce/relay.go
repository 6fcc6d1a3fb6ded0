package bounce

import (
	"errors"
	"strings"
)

// Errors of the relays' webhooks: a request that fails either changes nothing.
var (
	// ErrSignature: the request is not signed by the relay with the configured key.
	ErrSignature = errors.New("the relay's signature does not verify")
	// ErrPayload: the body is not the relay's payload.
	ErrPayload = errors.New("not a payload of this relay")
)

// Event is one relay's report about one address, as POST /api/admin/bounces takes it.
type Event struct {
	Email  string
	Kind   string // store.BounceHard, BounceSoft or BounceComplaint
	Reason string
}

// statusKind classifies a final failure by the RFC 3463 status found in code or
// in the relay's text, as kindOf does for a DSN; found is false when there is none.
func statusKind(texts ...string) (kind, status string, found bool) {
	for _, t := range texts {
		if s := statusIn.FindString(t); s != "" {
			return kindOf("failed", s), s, true
		}
	}
	return "", "", false
}

// events keeps the events that ask for something (a kind) and have an address.
func events(in ...Event) []Event {
	var out []Event
	for _, e := range in {
		e.Email = strings.TrimSpace(e.Email)
		if e.Kind != "" && e.Email != "" {
			out = append(out, e)
		}
	}
	return out
}
