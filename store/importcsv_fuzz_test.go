package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// FuzzImportCSV imports arbitrary files into one store per fuzzing process.
// It must never panic nor fail on a database error; a bad header stores
// nothing; every line is either imported or reported, in line order; what is
// stored is exactly what the report counts, in normalized form; and a good
// row placed first survives whatever follows it.
func FuzzImportCSV(f *testing.F) {
	f.Add("", "a@example.org,kg,daily,fr\nbad,,,\n", false)
	f.Add("", "\"q@example.org\",\"kz uz\",weekly,en\n\"unclosed,kg\n", true)
	f.Add("", "x@example.org,kg\nGOOD@example.org,KZ|uz,WEEKLY,EN\n", false)
	f.Add("", "enc\xe9@example.org,,daily,fr\nline\r\nbreak@example.org,,,\n", true)
	f.Add("", "a@b.c\r\nBcc: evil@example.org,,daily,fr\n=cmd|' /C calc'!A0,,,\n", false)
	f.Add("\ufeffEmail;Countries", "a@example.org;kg\n", false)
	f.Add("email,email", "a@example.org,b@example.org\n", true)
	f.Add("locale,email", "en,ana@example.org\nde,bob@example.org\n", false)
	s := storetest.Open(f)
	ctx := context.Background()
	var last int64 // the highest subscriber id so far: the next import's rows come after it
	keep := 0
	f.Fuzz(func(t *testing.T, header, body string, confirmed bool) {
		file, good := header+"\n", ""
		if header == "" {
			keep++
			good = fmt.Sprintf("keep%d@fuzz-keep.example.org", keep)
			file = "email,countries,frequency,locale\n" + good + ",kg tm,weekly,en\n"
			if strings.Contains(strings.ToLower(body), "fuzz-keep") {
				good = "" // the body may name it first
			}
		}
		file += body
		var lines []int
		rep, err := s.ImportCSV(ctx, strings.NewReader(file), store.ImportOptions{Confirmed: confirmed, Source: "fuzz"},
			func(p store.ImportProblem) { lines = append(lines, p.Line) })
		if err != nil && !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("import: %v", err)
		}
		if err != nil && (rep.Rows != 0 || rep.Imported != 0) {
			t.Fatalf("a refused file imported rows: %+v", rep)
		}
		reasons := 0
		for _, n := range rep.ByReason {
			reasons += n
		}
		if rep.Rows != rep.Imported+rep.Skipped || reasons != rep.Skipped || len(lines) != rep.Skipped {
			t.Fatalf("report does not add up: %+v, %d problems reported", rep, len(lines))
		}
		if !slices.IsSorted(lines) {
			t.Fatalf("problems out of line order: %v", lines)
		}
		if !confirmed && rep.MailsQueued != rep.Imported || confirmed && rep.MailsQueued != 0 {
			t.Fatalf("%d confirmation mails for %d imported (confirmed %v)", rep.MailsQueued, rep.Imported, confirmed)
		}

		var stored []store.Subscriber
		for {
			page, err := s.ListSubscribers(ctx, store.SubscriberFilter{After: last, Limit: store.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			stored = append(stored, page.Subscribers...)
			if len(page.Subscribers) > 0 {
				last = page.Subscribers[len(page.Subscribers)-1].ID
			}
			if page.NextCursor == "" {
				break
			}
		}
		if len(stored) != rep.Imported {
			t.Fatalf("%d subscribers stored, the report says %d imported", len(stored), rep.Imported)
		}
		status, method := store.StatusPending, "import"
		if confirmed {
			status, method = store.StatusActive, "import-confirmed"
		}
		kept := good == ""
		for _, sub := range stored {
			if again, err := store.NormalizeEmail(sub.Email); err != nil || again != sub.Email {
				t.Fatalf("stored address %q normalizes to %q (%v)", sub.Email, again, err)
			}
			if _, err := store.NormalizeCountries(sub.Countries); err != nil {
				t.Fatalf("stored countries %q: %v", sub.Countries, err)
			}
			if store.CheckChoices(sub.Frequency, sub.Locale) != nil || sub.Status != status || sub.Consent.Method != method {
				t.Fatalf("stored %+v", sub)
			}
			if sub.Email == good {
				kept = true
				if sub.Frequency != "weekly" || sub.Locale != "en" || strings.Join(sub.Countries, " ") != "kg tm" {
					t.Fatalf("good row stored as %+v", sub)
				}
			}
		}
		if !kept {
			t.Fatalf("the good first row %s was not imported: %+v", good, rep)
		}
	})
}
