package bounce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/caravan-news/caravan/store"
)

// Mailgun reads Mailgun's webhooks, signed with the account's HTTP webhook signing key.
// Mailgun signs its timestamp and a random token, not the body, so a signature
// is taken once only and within a day of its timestamp: a captured signature
// cannot carry another event. It is safe for concurrent use.
type Mailgun struct {
	SigningKey string
	Now        func() time.Time // time.Now when nil

	mu   sync.Mutex
	seen map[string]time.Time // tokens taken, by when they expire
}

// mailgunWindow is how far a signature's timestamp may be from now.
const mailgunWindow = 24 * time.Hour

// take records token as used and reports whether it was new.
func (m *Mailgun) take(token string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]time.Time{}
	}
	if _, dup := m.seen[token]; dup {
		return false
	}
	if len(m.seen) > 10000 {
		for t, exp := range m.seen {
			if now.After(exp) {
				delete(m.seen, t)
			}
		}
	}
	m.seen[token] = now.Add(2 * mailgunWindow)
	return true
}

// mailgunHook is the part of a Mailgun webhook Caravan reads.
type mailgunHook struct {
	Signature struct {
		Timestamp string `json:"timestamp"`
		Token     string `json:"token"`
		Signature string `json:"signature"`
	} `json:"signature"`
	EventData struct {
		Event          string `json:"event"`
		Severity       string `json:"severity"`
		Reason         string `json:"reason"`
		Recipient      string `json:"recipient"`
		DeliveryStatus struct {
			Code         json.Number `json:"code"`
			EnhancedCode string      `json:"enhanced-code"`
			Message      string      `json:"message"`
			Description  string      `json:"description"`
		} `json:"delivery-status"`
	} `json:"event-data"`
}

// Events checks the signature (hex HMAC-SHA256 of timestamp followed by token)
// and reads the event. A permanent failure counts by its RFC 3463 status, or as
// hard when Mailgun dropped the mail for an address on its bounce list; a
// temporary one is retried by Mailgun and asks nothing; "complained" is a complaint.
func (m *Mailgun) Events(body []byte) ([]Event, error) {
	var h mailgunHook
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	s := h.Signature
	ts, err := strconv.ParseInt(s.Timestamp, 10, 64)
	if err != nil || s.Token == "" {
		return nil, fmt.Errorf("%w: no signature in the body", ErrSignature)
	}
	mac := hmac.New(sha256.New, []byte(m.SigningKey))
	mac.Write([]byte(s.Timestamp + s.Token))
	got, err := hex.DecodeString(s.Signature)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return nil, ErrSignature
	}
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	if d := now.Sub(time.Unix(ts, 0)); d > mailgunWindow || d < -mailgunWindow {
		return nil, fmt.Errorf("%w: signed more than a day away from now", ErrSignature)
	}
	if !m.take(s.Token, now) {
		return nil, fmt.Errorf("%w: this signature was already used", ErrSignature)
	}
	e := h.EventData
	if e.Event == "" {
		return nil, fmt.Errorf("%w: no event-data", ErrPayload)
	}
	ds := e.DeliveryStatus
	ev := Event{Email: e.Recipient, Reason: e.Reason}
	switch {
	case e.Event == "complained":
		ev.Kind, ev.Reason = store.BounceComplaint, "complained"
	case e.Event == "failed" && e.Severity == "permanent":
		kind, status, found := statusKind(ds.EnhancedCode, ds.Message, ds.Description)
		if !found && e.Reason == "suppress-bounce" {
			kind = store.BounceHard
		}
		ev.Kind = kind
		ev.Reason = fmt.Sprintf("%s %s %s %s", e.Reason, ds.Code, status, ds.Message)
	}
	return events(ev), nil
}
