package bounce

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/caravan-news/caravan/store"
)

// postmarkRecord is the part of Postmark's bounce and spam complaint webhooks Caravan reads.
type postmarkRecord struct {
	RecordType  string
	Type        string
	Email       string
	Description string
	Details     string
}

// PostmarkEvents reads one Postmark bounce or spam complaint webhook. Postmark
// signs nothing: the route is authenticated by the admin token in the webhook
// URL (basic auth) or a custom header. HardBounce and BadEmailAddress are about
// the mailbox; SoftBounce is soft; SpamComplaint is a complaint; the rest
// (Transient delays, Blocked, DMARCPolicy, AutoResponder, ...) ask nothing.
func PostmarkEvents(body []byte) ([]Event, error) {
	var r postmarkRecord
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	if r.RecordType != "Bounce" && r.RecordType != "SpamComplaint" {
		return nil, fmt.Errorf("%w: RecordType %q is not Bounce or SpamComplaint", ErrPayload, r.RecordType)
	}
	if r.Email == "" {
		return nil, fmt.Errorf("%w: no Email", ErrPayload)
	}
	var kind string
	switch r.Type {
	case "HardBounce", "BadEmailAddress":
		kind = store.BounceHard
	case "SoftBounce":
		kind = store.BounceSoft
	case "SpamComplaint":
		kind = store.BounceComplaint
	}
	reason := strings.TrimSpace(r.Type + ": " + strings.TrimSpace(r.Description+" "+r.Details))
	return events(Event{Email: r.Email, Kind: kind, Reason: reason}), nil
}
