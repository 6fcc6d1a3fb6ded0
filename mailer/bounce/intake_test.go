package bounce

import (
	"context"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestIntake(t *testing.T) {
	for _, tc := range []struct {
		file     string
		status   string // the subscriber's afterwards
		soft     int
		recorded bool
	}{
		{"dsn-hard-postfix.eml", store.StatusBounced, 0, true},
		{"dsn-soft-exim.eml", store.StatusActive, 1, true},
		{"dsn-delayed.eml", store.StatusActive, 0, false},
		{"dsn-policy.eml", store.StatusActive, 0, false}, // 5.7.1 suppresses nobody
		{"arf-abuse.eml", store.StatusBounced, 0, true},
		{"arf-redacted.eml", store.StatusBounced, 0, true}, // named by its unsubscribe link alone
	} {
		t.Run(tc.file, func(t *testing.T) {
			e := newEnv(t)
			sub := e.subscriber(t, "reader@example.net")
			other := e.subscriber(t, "other@example.net")
			out, err := e.intake.Handle(context.Background(), e.report(t, tc.file, sub))
			if err != nil {
				t.Fatal(err)
			}
			if out.Subscriber != sub.ID || out.Recorded != tc.recorded {
				t.Fatalf("outcome %+v, want subscriber %d recorded=%v", out, sub.ID, tc.recorded)
			}
			if status, soft := e.status(t, sub); status != tc.status || soft != tc.soft {
				t.Fatalf("subscriber is %s with %d soft bounces, want %s with %d", status, soft, tc.status, tc.soft)
			}
			if status, _ := e.status(t, other); status != store.StatusActive {
				t.Fatalf("another subscriber is %s", status)
			}
			if strings.Contains(e.logs.String(), sub.Email) {
				t.Errorf("the address is in the log:\n%s", e.logs.String())
			}
		})
	}
}

// TestForgedReportsChangeNothing: a bounce that names its victim by address, or
// with a made-up signature, or with another subscriber's VERP address on a
// different return path, records nothing.
func TestForgedReportsChangeNothing(t *testing.T) {
	e := newEnv(t)
	victim := e.subscriber(t, "victim@example.net")
	forged := []struct {
		name, verp, unsub string
	}{
		{"no signature", "bounces@example.org", "https://news.example.org/unsubscribe/"},
		{"made-up token", "bounces+" + strings.Repeat("a", 34) + "@example.org", "https://news.example.org/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"other domain", strings.Replace(e.intake.Links.VERPAddress(returnPath, victim.ID), "example.org", "evil.example", 1), ""},
		{"token for another purpose", "x@example.org", "https://news.example.org/unsubscribe/" + e.intake.Links.Make(store.PurposePreferences, victim.ID, 0)},
	}
	for _, f := range forged {
		for _, file := range []string{"dsn-hard-postfix.eml", "arf-abuse.eml"} {
			out, err := e.intake.Handle(context.Background(), sample(t, file, f.verp, victim.Email, f.unsub))
			if err != nil || out.Subscriber != 0 || out.Recorded {
				t.Fatalf("%s, %s: %+v %v", f.name, file, out, err)
			}
		}
	}
	if status, _ := e.status(t, victim); status != store.StatusActive {
		t.Fatalf("victim is %s", status)
	}
	if !strings.Contains(e.logs.String(), "no subscriber with a valid signature") {
		t.Errorf("forged reports are not logged:\n%s", e.logs.String())
	}
}
