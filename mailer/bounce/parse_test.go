package bounce

import (
	"errors"
	"slices"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestParseSamples(t *testing.T) {
	const verp, rcpt, unsub = "bounces+abc@example.org", "reader@example.net", "https://news.example.org/unsubscribe/tok"
	for _, tc := range []struct {
		file, kind, status, reason string
		rcpt                       string
		unsub                      bool
	}{
		{"dsn-hard-postfix.eml", store.BounceHard, "5.1.1", "550 5.1.1 <reader@example.net>: Recipient address rejected: User unknown in virtual mailbox table", rcpt, true},
		{"dsn-soft-exim.eml", store.BounceSoft, "4.2.2", "452-4.2.2 The email account that you tried to reach is over quota.", rcpt, true},
		{"dsn-delayed.eml", "", "4.4.7", "421 4.4.7 Try again later", rcpt, true},
		{"dsn-policy.eml", "", "5.7.1", "550 5.7.1 Service unavailable, Client host [192.0.2.25] blocked using Spamhaus", rcpt, false},
		{"arf-abuse.eml", store.BounceComplaint, "", "feedback-type: abuse (SomeGenerator/1.0)", rcpt, true},
		{"arf-redacted.eml", store.BounceComplaint, "", "feedback-type: abuse (Hotmail FBL)", "redacted@hotmail.example", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rep, err := Parse(sample(t, tc.file, verp, rcpt, unsub))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Kind != tc.kind || rep.Status != tc.status || rep.Reason != tc.reason || rep.Recipient != tc.rcpt {
				t.Fatalf("got kind=%q status=%q reason=%q recipient=%q", rep.Kind, rep.Status, rep.Reason, rep.Recipient)
			}
			if tc.file != "arf-redacted.eml" && !slices.Contains(rep.Addresses, verp) {
				t.Errorf("addresses %q lack the VERP address", rep.Addresses)
			}
			if tc.unsub != slices.Contains(rep.Unsubscribe, unsub) {
				t.Errorf("unsubscribe links %q", rep.Unsubscribe)
			}
		})
	}
}

func TestParseRejectsOtherMail(t *testing.T) {
	for _, raw := range [][]byte{
		sample(t, "autoreply.eml", "bounces+abc@example.org", "", ""),
		[]byte("not a message at all"),
		[]byte("Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x--\r\n"),
	} {
		if _, err := Parse(raw); !errors.Is(err, ErrNotReport) {
			t.Errorf("Parse(%.40q) = %v, want ErrNotReport", raw, err)
		}
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct{ action, status, want string }{
		{"failed", "5.1.1", store.BounceHard},  // no such user
		{"failed", "5.1.10", store.BounceHard}, // null MX
		{"failed", "5.2.1", store.BounceHard},  // mailbox disabled
		{"failed", "5.1.7", ""},                // the sender's address is bad: not the reader's fault
		{"failed", "5.2.2", store.BounceSoft},  // mailbox full
		{"failed", "4.2.2", store.BounceSoft},  // gave up on a full mailbox
		{"failed", "5.7.1", ""},                // policy
		{"failed", "5.7.26", ""},               // DMARC failure: the sender's fault
		{"failed", "5.3.4", ""},                // message too big
		{"failed", "5.4.4", ""},                // no route: a DNS fault
		{"delayed", "4.4.7", ""},
		{"delivered", "2.0.0", ""},
		{"Failed", "5.1.1", store.BounceHard},
		{"failed", "", ""},
	} {
		if got := kindOf(tc.action, tc.status); got != tc.want {
			t.Errorf("kindOf(%q, %q) = %q, want %q", tc.action, tc.status, got, tc.want)
		}
	}
}
