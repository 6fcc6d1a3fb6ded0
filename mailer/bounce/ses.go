package bounce

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/caravan-news/caravan/store"
)

// sesNotification is the part of an Amazon SES notification Caravan reads:
// the feedback notifications (notificationType) and event publishing (eventType).
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		ComplaintSubType      string `json:"complaintSubType"`
	} `json:"complaint"`
}

// SESEvents reads the SES notification an SNS message carries. A bounced
// recipient counts by its RFC 3463 status; without one, a Permanent bounce
// of subtype General, NoEmail, Suppressed or OnAccountSuppressionList is hard
// and a Transient MailboxFull is soft; anything else (content rejected, too
// large, undetermined) asks nothing. Complaints are complaints, except
// SES's own "OnAccountSuppressionList" notices. Delivery and other events ask nothing.
func SESEvents(message string) ([]Event, error) {
	var n sesNotification
	if err := json.Unmarshal([]byte(message), &n); err != nil {
		return nil, fmt.Errorf("%w: the SNS message is not an SES notification: %v", ErrPayload, err)
	}
	kind := n.NotificationType
	if kind == "" {
		kind = n.EventType
	}
	var out []Event
	switch kind {
	case "Bounce":
		b := n.Bounce
		for _, r := range b.BouncedRecipients {
			ev := Event{Email: r.EmailAddress, Reason: strings.TrimSpace(b.BounceType + "/" + b.BounceSubType + " " + r.Status + " " + r.DiagnosticCode)}
			var found bool
			if ev.Kind, _, found = statusKind(r.Status, r.DiagnosticCode); !found {
				ev.Kind = sesKind(b.BounceType, b.BounceSubType)
			}
			out = append(out, ev)
		}
	case "Complaint":
		c := n.Complaint
		for _, r := range c.ComplainedRecipients {
			ev := Event{Email: r.EmailAddress, Kind: store.BounceComplaint, Reason: "complaint " + c.ComplaintFeedbackType}
			if c.ComplaintSubType != "" {
				ev.Kind = "" // SES says it sent nothing: the address was on its suppression list
			}
			out = append(out, ev)
		}
	case "":
		return nil, fmt.Errorf("%w: no notificationType or eventType", ErrPayload)
	}
	return events(out...), nil
}

func sesKind(bounceType, subType string) string {
	switch {
	case bounceType == "Permanent" && (subType == "General" || subType == "NoEmail" || subType == "Suppressed" || subType == "OnAccountSuppressionList"):
		return store.BounceHard
	case bounceType == "Transient" && subType == "MailboxFull":
		return store.BounceSoft
	}
	return ""
}
