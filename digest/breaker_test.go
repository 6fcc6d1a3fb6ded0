package digest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/caravan-news/caravan/store"
)

// AuthMechanisms implements smtp.AuthSession: every session offers PLAIN, and
// a password refused tells a client that authenticates that its credentials are wrong.
func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

// Auth implements smtp.AuthSession: only the password "right" is accepted.
func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, _, pass string) error {
		if pass != "right" {
			return smtp.ErrAuthFailed
		}
		return nil
	}), nil
}

// TestPolicyRefusalsSuppressNobodyAndStopTheRun: a relay answering 554 5.7.1
// (relay denied, a content filter) to every message suppressed every reader;
// now it fails those messages only, and the run stops after StopAfter of them
// in a row and says why, instead of burning through the list.
func TestPolicyRefusalsSuppressNobodyAndStopTheRun(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	relayDenied := &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay access denied"}
	var emails []string
	for i := range 6 {
		email := "reader" + string(rune('a'+i)) + "@example.org"
		emails = append(emails, email)
		e.subscriber(t, email, "daily", "fr")
		srv.failRcpt(email, relayDenied)
	}
	e.clock.Add(time.Hour)
	e.article(t, "first", e.clock.Now())
	e.clock.Add(time.Hour)
	w := e.worker(t, srv.url(), 1)
	w.StopAfter = 3
	res, err := w.Run(ctx, "daily", e.clock.Now())
	if !errors.Is(err, ErrRunStopped) || !strings.Contains(err.Error(), "3 messages in a row") ||
		!strings.Contains(err.Error(), "5.7.1") {
		t.Fatalf("run: %v", err)
	}
	if res.Complete || res.This.FailedPerm != 3 || res.This.Sent != 0 {
		t.Fatalf("result: %+v", res)
	}
	for _, email := range emails {
		sub, _ := e.st.SubscriberByEmail(ctx, email)
		if sup, _ := e.st.IsSuppressed(ctx, email); sub.Status != store.StatusActive || sup {
			t.Errorf("%s: %s, suppressed %v, after a policy refusal", email, sub.Status, sup)
		}
	}
	// A mailbox error among successes still bounces that one reader, and no more.
	srv2 := startSMTP(t)
	srv2.failRcpt("readera@example.org", err550)
	e.clock.Add(24 * time.Hour)
	e.article(t, "second", e.clock.Now())
	e.clock.Add(time.Hour)
	res, err = e.worker(t, srv2.url(), 1).Run(ctx, "daily", e.clock.Now())
	if err != nil || !res.Complete || res.This.Sent != 5 || res.This.FailedPerm != 1 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	if sub, _ := e.st.SubscriberByEmail(ctx, "readera@example.org"); sub.Status != store.StatusBounced {
		t.Fatalf("5.1.1: status %s, want bounced", sub.Status)
	}
}

// TestAuthenticationFailureStopsTheRun: credentials the relay refuses stop
// the run at once, with a message that says what to fix; nobody is bounced.
func TestAuthenticationFailureStopsTheRun(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	for i := range 5 {
		e.subscriber(t, "reader"+string(rune('a'+i))+"@example.org", "daily", "fr")
	}
	e.clock.Add(time.Hour)
	e.article(t, "first", e.clock.Now())
	e.clock.Add(time.Hour)
	w := e.worker(t, "smtp://news:wrong@"+srv.addr+"?tls=none", 1)
	w.Tries = 1
	res, err := w.Run(ctx, "daily", e.clock.Now())
	if !errors.Is(err, ErrRunStopped) || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("run: %v", err)
	}
	if res.Complete || res.This.Sent != 0 || res.This.FailedPerm != 0 || res.This.FailedTemp > 1 {
		t.Fatalf("result: %+v", res)
	}
	if n := len(srv.messages()); n != 0 {
		t.Fatalf("%d messages accepted", n)
	}
	page, _ := e.st.ListSuppressions(ctx, store.SuppressionFilter{})
	if len(page.Suppressions) != 0 {
		t.Fatalf("suppressed: %+v", page)
	}
}
