package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// kinds claims every due mail and returns their kinds by subscriber id.
func kinds(t *testing.T, s *store.Store) map[int64][]string {
	t.Helper()
	mails, err := s.ClaimMail(context.Background(), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64][]string{}
	for _, m := range mails {
		out[m.SubscriberID] = append(out[m.SubscriberID], m.Kind)
		if err := s.MailSent(context.Background(), m.ID); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestConfirmQueuesOneWelcome(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	res, err := s.Subscribe(ctx, signup("welcome@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	kinds(t, s)   // the confirmation
	for range 2 { // a second click on the link welcomes no one twice
		if _, err := s.Confirm(ctx, res.SubscriberID); err != nil {
			t.Fatal(err)
		}
	}
	if got := kinds(t, s)[res.SubscriberID]; strings.Join(got, ",") != store.MailWelcome {
		t.Fatalf("mails after confirming: %v", got)
	}
}

func TestImportWelcomesOnlyWhenAsked(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	csv := "email,countries,frequency,locale\nquiet@example.org,kg,daily,fr\n"
	rep, err := s.ImportCSV(ctx, strings.NewReader(csv), store.ImportOptions{Confirmed: true}, nil)
	if err != nil || rep.Imported != 1 || rep.Welcomes != 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if got := kinds(t, s); len(got) != 0 {
		t.Fatalf("an import without --welcome queued %v", got)
	}
	csv = "email,countries,frequency,locale\nwelcomed@example.org,kg,daily,fr\n"
	rep, err = s.ImportCSV(ctx, strings.NewReader(csv), store.ImportOptions{Confirmed: true, Welcome: true}, nil)
	if err != nil || rep.Imported != 1 || rep.Welcomes != 1 {
		t.Fatalf("import --welcome: %+v %v", rep, err)
	}
	sub, _ := s.SubscriberByEmail(ctx, "welcomed@example.org")
	if got := kinds(t, s); strings.Join(got[sub.ID], ",") != store.MailWelcome || len(got) != 1 {
		t.Fatalf("import --welcome queued %v", got)
	}
}

func TestOneReminderPerSignup(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	late, _ := s.Subscribe(ctx, signup("late@example.org"))
	c.Add(24 * time.Hour)
	fresh, _ := s.Subscribe(ctx, signup("fresh@example.org"))
	done, _ := s.Subscribe(ctx, signup("done@example.org"))
	if _, err := s.Confirm(ctx, done.SubscriberID); err != nil {
		t.Fatal(err)
	}
	kinds(t, s)
	remind := func() int {
		t.Helper()
		n, err := s.QueueReminders(ctx, 48*time.Hour, 7*24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	c.Add(25 * time.Hour) // late: 49 h; fresh and done: 25 h
	if n := remind(); n != 1 {
		t.Fatalf("reminders at 49 h: %d, want 1", n)
	}
	if got := kinds(t, s); strings.Join(got[late.SubscriberID], ",") != store.MailReminder || len(got) != 1 {
		t.Fatalf("mails: %v", got)
	}
	if n := remind(); n != 0 {
		t.Fatalf("reminded twice: %d", n)
	}
	c.Add(24 * time.Hour) // fresh: 49 h; done is active
	if n := remind(); n != 1 || len(kinds(t, s)[fresh.SubscriberID]) != 1 {
		t.Fatalf("fresh not reminded once: %d", n)
	}
	// A new signup of the same address is a new request: it earns its own reminder.
	if _, err := s.Subscribe(ctx, signup("late@example.org")); err != nil {
		t.Fatal(err)
	}
	kinds(t, s)
	c.Add(49 * time.Hour)
	if n := remind(); n != 1 {
		t.Fatalf("the renewed signup: %d reminders", n)
	}
	// Past the link's lifetime nobody is reminded any more.
	old, _ := s.Subscribe(ctx, signup("old@example.org"))
	kinds(t, s)
	c.Add(8 * 24 * time.Hour)
	if n := remind(); n != 0 {
		t.Fatalf("reminded a week-old signup (%d): %v", old.SubscriberID, n)
	}
}

func TestManageLinkOnlyForSubscribersAndCapped(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	act, _ := s.Subscribe(ctx, signup("member@example.org"))
	if _, err := s.Confirm(ctx, act.SubscriberID); err != nil {
		t.Fatal(err)
	}
	pend, _ := s.Subscribe(ctx, signup("pending@example.org"))
	kinds(t, s)
	cases := []struct {
		email string
		want  bool
	}{
		{"MEMBER@example.org", true},
		{"pending@example.org", false},
		{"stranger@example.org", false},
	}
	for _, tc := range cases {
		queued, err := s.RequestManageLink(ctx, tc.email)
		if err != nil || queued != tc.want {
			t.Errorf("%s: queued %v %v, want %v", tc.email, queued, err, tc.want)
		}
	}
	got := kinds(t, s)
	if strings.Join(got[act.SubscriberID], ",") != store.MailManage || len(got[pend.SubscriberID]) != 0 {
		t.Fatalf("mails: %v", got)
	}
	for range 5 {
		if _, err := s.RequestManageLink(ctx, "member@example.org"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(kinds(t, s)[act.SubscriberID]); n != store.MaxManageMailsPerDay-1 {
		t.Fatalf("%d more mails in a day, want %d", n, store.MaxManageMailsPerDay-1)
	}
	c.Add(25 * time.Hour)
	if queued, _ := s.RequestManageLink(ctx, "member@example.org"); !queued {
		t.Fatal("no link the next day")
	}
}
