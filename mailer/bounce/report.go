// Package bounce reads what comes back from sent mail: delivery status
// notifications (RFC 3464) and complaint reports (RFC 5965, ARF), from a
// mailbox polled over IMAP, and turns each into the hard, soft or complaint
// report that store.Bounce records, as POST /api/admin/bounces does.
//
// A report is believed only when it names its subscriber with a signature
// Caravan made: the VERP envelope sender the mail went out with
// (store.Signer.VERPAddress), or the signed unsubscribe link in the returned
// headers. A forged report names nobody and changes nothing.
//
// The package imports only the ground floor (mailer, store).
package bounce

import (
	"errors"
	"strings"

	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
)

// ErrNotReport is returned by Parse for a message that is neither a delivery
// status notification nor a feedback report (an auto-reply, spam, a person).
var ErrNotReport = errors.New("not a delivery status notification or feedback report")

// Report is what one DSN or ARF message says.
type Report struct {
	// Kind is store.BounceHard, BounceSoft or BounceComplaint, or "" when the
	// report asks nothing of Caravan: a delay warning, a success, or a refusal
	// that is not about the mailbox (RFC 3463 5.7.x policy, content, relay).
	Kind string
	// Status is the RFC 3463 status code, such as 5.1.1; empty for complaints.
	Status string
	// Reason is the receiver's own words: the diagnostic code or the feedback type.
	Reason string
	// Recipient is the address the report says it is about. Unsigned, so it is
	// never used to find the subscriber.
	Recipient string
	// Addresses are where the report was sent and the original's Return-Path:
	// the VERP envelope sender is among them.
	Addresses []string
	// Unsubscribe are the URLs of the original's List-Unsubscribe header.
	Unsubscribe []string
}

// kindOf classifies a recipient's action and RFC 3463 status as the mailer
// classifies a refusal (mailer.IsMailboxStatus): a final failure is a hard
// bounce only when it is about the mailbox: the address does not exist (5.1.x,
// but the sender's own 5.1.7 and 5.1.8) or is disabled (5.2.1). A full mailbox
// (5.2.2) and a temporary failure given up on (4.x.x) are soft. Other permanent
// failures are about the message, the sender or the path, and suppress nobody.
func kindOf(action, status string) string {
	if !strings.EqualFold(action, "failed") {
		return ""
	}
	class, subject, detail := splitStatus(status)
	switch {
	case mailer.IsMailboxStatus(status):
		return store.BounceHard
	case class == "5" && subject == "2" && detail == "2", class == "4":
		return store.BounceSoft
	}
	return ""
}

// splitStatus splits "5.1.1" into its three fields; anything else gives empty ones.
func splitStatus(status string) (class, subject, detail string) {
	f := strings.Split(strings.TrimSpace(status), ".")
	if len(f) != 3 || len(f[0]) != 1 {
		return "", "", ""
	}
	return f[0], f[1], f[2]
}
