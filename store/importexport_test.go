package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

// listCSV writes n rows in the export's own form, so that an import followed by
// an export must give back the same bytes.
func listCSV(w io.Writer, n int) {
	countries := []string{"", "kg", "kz uz", "tj tm", "kz kg uz tj"}
	fmt.Fprintln(w, "email,countries,frequency,locale")
	for i := range n {
		freq, loc := "daily", "fr"
		if i%3 == 0 {
			freq = "weekly"
		}
		if i%4 == 0 {
			loc = "en"
		}
		fmt.Fprintf(w, "reader%06d@example.org,%s,%s,%s\n", i, countries[i%len(countries)], freq, loc)
	}
}

func TestImportExportRoundTrip100k(t *testing.T) {
	if testing.Short() {
		t.Skip("100k rows: skipped with -short")
	}
	s, _ := newStore(t)
	ctx := context.Background()
	var want bytes.Buffer
	listCSV(&want, 100_000)
	pr, pw := io.Pipe() // the import reads a stream, as it does from an HTTP body
	go func() { listCSV(pw, 100_000); pw.Close() }()
	rep, err := s.ImportCSV(ctx, pr, store.ImportOptions{Confirmed: true, Source: "test"}, func(p store.ImportProblem) {
		t.Errorf("problem: %+v", p)
	})
	if err != nil || rep.Imported != 100_000 || rep.Rows != 100_000 || rep.MailsQueued != 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	var got bytes.Buffer
	n, err := s.ExportCSV(ctx, &got, store.StatusActive)
	if err != nil || n != 100_000 {
		t.Fatalf("export: %d %v", n, err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		g, w := strings.Split(got.String(), "\n"), strings.Split(want.String(), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("line %d: got %q, want %q", i+1, g[i], w[i])
			}
		}
		t.Fatalf("got %d lines, want %d", len(g), len(w))
	}
	sub, err := s.SubscriberByEmail(ctx, "reader000042@example.org")
	if err != nil || sub.Status != store.StatusActive || sub.Consent.Method != "import-confirmed" || sub.DigestSince.IsZero() {
		t.Fatalf("imported subscriber: %+v %v", sub, err)
	}
}

func TestImportKeepsGoodRowsAndReportsBadOnes(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	file := "\ufeffEmail,Countries,Frequency,Locale\n" + // a BOM and capitals, as spreadsheets write them
		"good@example.org,kg,daily,fr\n" + // 2
		"not-an-address,,daily,fr\n" + // 3
		"c@example.org,fr,daily,fr\n" + // 4
		"f@example.org,,hourly,fr\n" + // 5
		"l@example.org,,daily,de\n" + // 6
		"short@example.org,kg\n" + // 7
		"latin1@example.org,,daily,fr,\xe9t\xe9\n" + // 8: wrong field count beats encoding
		"enc\xe9@example.org,,daily,fr\n" + // 9
		"GOOD@example.org,,weekly,en\n" + // 10: same person as line 2
		"pipes@example.org,KZ|uz,weekly,en\n" + // 11
		"defaults@example.org,,,\n" + // 12
		"quote@example.org,\"kg,daily,fr\n" // 13: a quote never closed
	var problems []store.ImportProblem
	rep, err := s.ImportCSV(ctx, strings.NewReader(file), store.ImportOptions{Source: "test"}, func(p store.ImportProblem) {
		problems = append(problems, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{3: "invalid_email", 4: "invalid_countries", 5: "invalid_frequency", 6: "invalid_locale",
		7: "bad_line", 8: "bad_line", 9: "bad_encoding", 10: "duplicate", 13: "bad_line"}
	if len(problems) != len(want) {
		t.Fatalf("problems: %+v", problems)
	}
	for i, p := range problems {
		if want[p.Line] != p.Reason || p.Message == "" {
			t.Errorf("problem %d: %+v, want reason %q", i, p, want[p.Line])
		}
		if i > 0 && p.Line < problems[i-1].Line {
			t.Errorf("problems out of line order: %+v", problems)
		}
	}
	if rep.Imported != 3 || rep.Skipped != len(want) || rep.MailsQueued != 3 || rep.ByReason["bad_line"] != 3 {
		t.Fatalf("report: %+v", rep)
	}
	sub, err := s.SubscriberByEmail(ctx, "pipes@example.org")
	if err != nil || sub.Status != store.StatusPending || strings.Join(sub.Countries, " ") != "kz uz" || sub.Consent.Method != "import" {
		t.Fatalf("pipes: %+v %v", sub, err)
	}
	if sub, _ := s.SubscriberByEmail(ctx, "defaults@example.org"); sub.Frequency != "daily" || sub.Locale != "fr" {
		t.Fatalf("defaults: %+v", sub)
	}
}

func TestImportWrongHeaderStoresNothing(t *testing.T) {
	for name, file := range map[string]string{
		"empty":          "",
		"no header":      "ana@example.org,kg,daily,fr\n",
		"unknown column": "email,countries,frequency,language\nana@example.org,kg,daily,fr\n",
		"no email":       "countries,frequency\nkg,daily\n",
		"twice":          "email,email\na@example.org,b@example.org\n",
	} {
		t.Run(name, func(t *testing.T) {
			s, _ := newStore(t)
			_, err := s.ImportCSV(context.Background(), strings.NewReader(file), store.ImportOptions{}, nil)
			if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "email,countries,frequency,locale") && name != "twice" {
				t.Fatalf("err = %v", err)
			}
			if page, _ := s.ListSubscribers(context.Background(), store.SubscriberFilter{}); len(page.Subscribers) != 0 {
				t.Fatalf("stored %d", len(page.Subscribers))
			}
		})
	}
}

// TestImportNeverBringsBackWhoLeft: an import skips whoever unsubscribed, bounced
// or was erased, even with confirmed=true.
func TestImportNeverBringsBackWhoLeft(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	left := activeSubscriber(t, s, "left@example.org")
	s.Unsubscribe(ctx, left.ID, store.ChannelLink)
	activeSubscriber(t, s, "bounced@example.org")
	s.Bounce(ctx, "bounced@example.org", store.BounceHard)
	activeSubscriber(t, s, "erased@example.org")
	s.Erase(ctx, "erased@example.org")
	s.UnsubscribeEmail(ctx, "phoned@example.org", store.ChannelAdmin) // asked by phone, never subscribed
	queuedBefore, _ := s.QueuedMail(ctx)
	file := "email\nleft@example.org\nBOUNCED@example.org\nerased@example.org\nphoned@example.org\n"
	var reasons []string
	rep, err := s.ImportCSV(ctx, strings.NewReader(file), store.ImportOptions{Confirmed: true}, func(p store.ImportProblem) {
		reasons = append(reasons, p.Reason)
	})
	if err != nil || rep.Imported != 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if got := strings.Join(reasons, " "); got != "unsubscribed bounced suppressed suppressed" {
		t.Fatalf("reasons: %s", got)
	}
	if got, _ := s.Subscriber(ctx, left.ID); got.Status != store.StatusUnsubscribed {
		t.Fatalf("brought back: %+v", got)
	}
	if _, err := s.SubscriberByEmail(ctx, "erased@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("erased address stored again: %v", err)
	}
	if n, _ := s.QueuedMail(ctx); n != queuedBefore {
		t.Fatalf("mail queued: %d, was %d", n, queuedBefore)
	}
}
