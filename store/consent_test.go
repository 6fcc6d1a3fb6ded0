package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// stranger is a signup of email by someone else, with other choices.
func stranger(email string) store.Signup {
	return store.Signup{Email: email, Countries: []string{"uz"}, Frequency: "weekly", Locale: "en",
		Consent: store.Consent{Method: "form", Source: "https://elsewhere.example/", TextVersion: "v2", IP: "203.0.113.0"}}
}

// TestOptOutIsNeverForgotten: a reader unsubscribes; someone posts the address
// to the form, the purge runs, an import comes: the reader stays unsubscribed.
func TestOptOutIsNeverForgotten(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	sub := activeSubscriber(t, s, "reader@example.org")
	if _, _, err := s.Unsubscribe(ctx, sub.ID, store.ChannelLink); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.IsSuppressed(ctx, "reader@example.org"); !ok {
		t.Fatal("an unsubscribe left no suppression")
	}
	res, err := s.Subscribe(ctx, stranger("reader@example.org"))
	if err != nil || res.Created || !res.MailQueued {
		t.Fatalf("signup by someone else: %+v %v", res, err)
	}
	got, _ := s.Subscriber(ctx, sub.ID)
	if got.Status != store.StatusUnsubscribed || got.Frequency != "daily" || len(got.Countries) != 0 || got.Locale != "fr" {
		t.Fatalf("a signup by someone else changed the reader: %+v", got)
	}
	c.Add(31 * 24 * time.Hour)
	if _, err := s.PurgePending(ctx, 30*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportCSV(ctx, strings.NewReader("email\nreader@example.org\n"), store.ImportOptions{Confirmed: true}, nil)
	if err != nil || rep.Imported != 0 || rep.ByReason[store.SkipUnsubscribed] != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if got, err := s.Subscriber(ctx, sub.ID); err != nil || got.Status != store.StatusUnsubscribed {
		t.Fatalf("after purge and import: %+v %v", got, err)
	}
	// Only the reader's own confirmation brings them back: the stranger's link is spent by the purge.
	if _, err := s.ConfirmSignup(ctx, res.SignupID, store.Consent{Method: "link"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a purged signup confirmed: %v", err)
	}
	again, _ := s.Subscribe(ctx, signup("reader@example.org"))
	back, err := s.ConfirmSignup(ctx, again.SignupID, store.Consent{Method: "link"})
	if err != nil || back.Status != store.StatusActive {
		t.Fatalf("the reader's own confirmation: %+v %v", back, err)
	}
	if ok, _ := s.IsSuppressed(ctx, "reader@example.org"); ok {
		t.Fatal("the reader's confirmation left the suppression")
	}
}

// TestEveryDepartureLeavesASuppression: unsubscribe, complaint, hard bounce
// and erasure each leave a suppression; imports of those addresses are refused.
func TestEveryDepartureLeavesASuppression(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	left := activeSubscriber(t, s, "left@example.org")
	s.Unsubscribe(ctx, left.ID, store.ChannelOneClick)
	activeSubscriber(t, s, "spam@example.org")
	s.Bounce(ctx, "spam@example.org", store.BounceComplaint)
	activeSubscriber(t, s, "dead@example.org")
	s.Bounce(ctx, "dead@example.org", store.BounceHard)
	activeSubscriber(t, s, "erased@example.org")
	s.Erase(ctx, "erased@example.org")
	want := map[string]string{"left@example.org": "unsubscribed-one-click", "spam@example.org": "bounce-complaint",
		"dead@example.org": "bounce-hard", "erased@example.org": "erased"}
	for email, reason := range want {
		page, err := s.ListSuppressions(ctx, store.SuppressionFilter{Email: email})
		if err != nil || len(page.Suppressions) != 1 || page.Suppressions[0].Reason != reason {
			t.Errorf("%s: %+v %v, want reason %s", email, page, err, reason)
		}
	}
	page, err := s.ListSuppressions(ctx, store.SuppressionFilter{})
	if err != nil || len(page.Suppressions) != 4 {
		t.Fatalf("list: %+v %v", page, err)
	}
	for _, p := range page.Suppressions {
		if known := p.Reason != "erased"; known != (p.Email != "") {
			t.Errorf("address shown %q for reason %s", p.Email, p.Reason)
		}
	}
	rep, err := s.ImportCSV(ctx, strings.NewReader("email\nleft@example.org\nspam@example.org\ndead@example.org\nerased@example.org\n"),
		store.ImportOptions{Confirmed: true}, nil)
	if err != nil || rep.Imported != 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
}

// TestLiftSuppression: an operator lifts a suppression with a reason; a reader
// whom only a bounce took off comes back, one who left does not.
func TestLiftSuppression(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	dead := activeSubscriber(t, s, "dead@example.org")
	s.Bounce(ctx, "dead@example.org", store.BounceHard)
	left := activeSubscriber(t, s, "left@example.org")
	s.Unsubscribe(ctx, left.ID, store.ChannelLink)
	sup, err := s.LiftSuppression(ctx, "dead@example.org", "cli", "5.7.1 policy refusal read as a bounce")
	if err != nil || sup.Reason != "bounce-hard" || sup.LiftReason != "cli: 5.7.1 policy refusal read as a bounce" {
		t.Fatalf("lift: %+v %v", sup, err)
	}
	if got, _ := s.Subscriber(ctx, dead.ID); got.Status != store.StatusActive {
		t.Fatalf("bounced reader not back: %s", got.Status)
	}
	if _, err := s.LiftSuppression(ctx, "left@example.org", "admin", "asked by phone"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Subscriber(ctx, left.ID); got.Status != store.StatusUnsubscribed {
		t.Fatalf("an operator brought back a reader who left: %s", got.Status)
	}
	if _, err := s.LiftSuppression(ctx, "left@example.org", "admin", "again"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("lifting twice: %v", err)
	}
	page, _ := s.ListSuppressions(ctx, store.SuppressionFilter{})
	all, _ := s.ListSuppressions(ctx, store.SuppressionFilter{Lifted: true})
	if len(page.Suppressions) != 0 || len(all.Suppressions) != 2 || all.Suppressions[0].LiftedAt.IsZero() {
		t.Fatalf("in force %+v, all %+v", page, all)
	}
	rec, _ := s.SubscriberRecord(ctx, "dead@example.org")
	if last := rec.ConsentHistory[len(rec.ConsentHistory)-1]; last.Event != store.EventResubscribe || last.Channel != "cli" {
		t.Fatalf("history: %+v", rec.ConsentHistory)
	}
}

// TestSignupNeverChangesAnExistingReader: the choices of a signup apply when
// its own link is confirmed, pending reader or not.
func TestSignupNeverChangesAnExistingReader(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	sub := activeSubscriber(t, s, "reader@example.org")
	other, err := s.Subscribe(ctx, stranger("reader@example.org"))
	if err != nil || !other.MailQueued {
		t.Fatalf("signup: %+v %v", other, err)
	}
	if got, _ := s.Subscriber(ctx, sub.ID); got.Frequency != "daily" || got.Locale != "fr" || len(got.Countries) != 0 {
		t.Fatalf("choices changed before confirmation: %+v", got)
	}
	got, err := s.ConfirmSignup(ctx, other.SignupID, store.Consent{Method: "link"})
	if err != nil || got.Frequency != "weekly" || got.Locale != "en" || !slices.Equal(got.Countries, []string{"uz"}) ||
		!got.DigestSince.Equal(sub.DigestSince) {
		t.Fatalf("confirmed: %+v %v", got, err)
	}
	// Pending: the first signup's link brings its own choices, the second's its own.
	first, _ := s.Subscribe(ctx, signup("new@example.org"))
	second, _ := s.Subscribe(ctx, stranger("new@example.org"))
	if got, _ := s.Subscriber(ctx, first.SubscriberID); got.Frequency != "daily" || got.Status != store.StatusPending {
		t.Fatalf("pending reader changed: %+v", got)
	}
	if got, err := s.ConfirmSignup(ctx, first.SignupID, store.Consent{Method: "link"}); err != nil || got.Frequency != "daily" {
		t.Fatalf("first link: %+v %v", got, err)
	}
	if got, err := s.ConfirmSignup(ctx, second.SignupID, store.Consent{Method: "link"}); err != nil || got.Frequency != "weekly" {
		t.Fatalf("second link: %+v %v", got, err)
	}
}

// TestConfirmationGoesToTheSpellingTyped: an outsider who signs up a spelling
// of someone's address first gets neither her confirmation mail nor her list.
func TestConfirmationGoesToTheSpellingTyped(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	norm := func(raw string) store.Signup {
		t.Helper()
		email, err := store.NormalizeEmail(raw)
		if err != nil {
			t.Fatal(err)
		}
		return signup(email)
	}
	for _, c := range []struct{ squat, real string }{
		{"\u212aate@example.org", "kate@example.org"}, // Kelvin sign
		{"\u017fam@example.org", "sam@example.org"},   // long s
		{"e\u0301lodie@example.fr", "\u00e9lodie@example.fr"},
	} {
		squat, _ := s.Subscribe(ctx, norm(c.squat))
		real, err := s.Subscribe(ctx, norm(c.real))
		if err != nil || real.SubscriberID != squat.SubscriberID || real.Created {
			t.Fatalf("%s after %s: %+v %v (one person, one row)", c.real, c.squat, real, err)
		}
		p, err := s.Signup(ctx, real.SignupID)
		if err != nil || p.Email != c.real {
			t.Fatalf("%s's confirmation goes to %q (%v)", c.real, p.Email, err)
		}
		sub, err := s.ConfirmSignup(ctx, real.SignupID, store.Consent{Method: "link"})
		if err != nil || sub.Email != c.real {
			t.Fatalf("after %s confirmed, mail goes to %q (%v)", c.real, sub.Email, err)
		}
	}
}

// TestConfirmationCapPerBaseMailbox: tags reach one mailbox, and count as one.
func TestConfirmationCapPerBaseMailbox(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	queued := 0
	for i := range 20 {
		res, err := s.Subscribe(ctx, signup("Victim+"+string(rune('a'+i))+"@example.org"))
		if err != nil {
			t.Fatal(err)
		}
		if res.MailQueued {
			queued++
		}
	}
	if queued != store.MaxConfirmMailsPerDay {
		t.Fatalf("%d confirmation mails to one mailbox in a day, want %d", queued, store.MaxConfirmMailsPerDay)
	}
	c.Add(24 * time.Hour)
	if res, _ := s.Subscribe(ctx, signup("victim+z@example.org")); !res.MailQueued {
		t.Fatal("no mail the next day")
	}
}

// TestConsentHistoryIsNeverOverwritten: every signup, confirmation, change
// and departure is kept, with its channel.
func TestConsentHistoryIsNeverOverwritten(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	res, _ := s.Subscribe(ctx, signup("ana@example.org"))
	s.ConfirmSignup(ctx, res.SignupID, store.Consent{Method: "link", IP: "198.51.100.0"})
	s.UpdatePreferences(ctx, res.SubscriberID, store.Preferences{Frequency: "weekly", Locale: "fr",
		By: store.Consent{Method: "link", IP: "198.51.100.0"}})
	s.Unsubscribe(ctx, res.SubscriberID, store.ChannelOneClick)
	if _, err := s.Resubscribe(ctx, res.SubscriberID, store.Consent{Method: "resubscribe", IP: "198.51.100.0"}); err != nil {
		t.Fatal(err)
	}
	s.Bounce(ctx, "ana@example.org", store.BounceComplaint)
	s.ImportCSV(ctx, strings.NewReader("email\nbob@example.org\n"), store.ImportOptions{Source: "old list"}, nil)
	rec, err := s.SubscriberRecord(ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range rec.ConsentHistory {
		got = append(got, e.Event+"/"+e.Channel)
	}
	want := "signup/form confirm/link preferences/link unsubscribe/one-click resubscribe/resubscribe complaint/complaint"
	if strings.Join(got, " ") != want {
		t.Fatalf("history: %s\nwant:    %s", strings.Join(got, " "), want)
	}
	if first := rec.ConsentHistory[0]; first.Source != "https://example.org/a" || first.FormVersion != "v1" ||
		first.IP != "192.0.2.0" || first.At.IsZero() {
		t.Fatalf("the signup's record: %+v", first)
	}
	if confirm := rec.ConsentHistory[1]; confirm.IP != "198.51.100.0" || confirm.FormVersion != "v1" {
		t.Fatalf("the confirmation's record: %+v", confirm)
	}
	bob, _ := s.SubscriberRecord(ctx, "bob@example.org")
	if len(bob.ConsentHistory) != 1 || bob.ConsentHistory[0].Event != store.EventImport || bob.ConsentHistory[0].Source != "old list" {
		t.Fatalf("import history: %+v", bob.ConsentHistory)
	}
}
