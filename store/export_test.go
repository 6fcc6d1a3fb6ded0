package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestExportNeutralisesFormulasAndImportUndoesIt(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	file := "email,countries,frequency,locale\n=cmd|'/Ccalc'!A0@example.org,kg,daily,fr\n+1@example.org,,daily,fr\n" +
		"-2@example.org,,daily,fr\nplain@example.org,,weekly,en\n"
	if rep, err := s.ImportCSV(ctx, strings.NewReader(file), store.ImportOptions{Confirmed: true}, nil); err != nil || rep.Imported != 4 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	var out bytes.Buffer
	if _, err := s.ExportCSV(ctx, &out, store.StatusActive); err != nil {
		t.Fatal(err)
	}
	want := "email,countries,frequency,locale\n'=cmd|'/Ccalc'!A0@example.org,kg,daily,fr\n'+1@example.org,,daily,fr\n" +
		"'-2@example.org,,daily,fr\nplain@example.org,,weekly,en\n"
	if out.String() != want {
		t.Fatalf("export:\n%s\nwant:\n%s", out.String(), want)
	}
	// The exported file imports back to the same addresses: already there, not new ones with a quote.
	rep, err := s.ImportCSV(ctx, strings.NewReader(out.String()), store.ImportOptions{Confirmed: true}, nil)
	if err != nil || rep.Imported != 0 || rep.ByReason[store.SkipDuplicate] != 4 {
		t.Fatalf("re-import: %+v %v", rep, err)
	}
}

func TestExportOfEveryoneHasAStatusColumn(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	activeSubscriber(t, s, "reads@example.org")
	left := activeSubscriber(t, s, "left@example.org")
	s.Unsubscribe(ctx, left.ID, store.ChannelLink)
	activeSubscriber(t, s, "gone@example.org")
	s.Bounce(ctx, "gone@example.org", store.BounceHard)
	s.Subscribe(ctx, signup("waits@example.org"))
	var out bytes.Buffer
	if n, err := s.ExportCSV(ctx, &out, ""); err != nil || n != 4 {
		t.Fatalf("export: %d %v", n, err)
	}
	want := "email,countries,frequency,locale,status\nreads@example.org,,daily,fr,active\nleft@example.org,,daily,fr,unsubscribed\n" +
		"gone@example.org,,daily,fr,bounced\nwaits@example.org,,daily,fr,pending\n"
	if out.String() != want {
		t.Fatalf("export:\n%s\nwant:\n%s", out.String(), want)
	}
	// Imported into another list, the file brings in who reads and who waits, never who left.
	other, _ := newStore(t)
	var reasons []string
	rep, err := other.ImportCSV(ctx, strings.NewReader(out.String()), store.ImportOptions{Confirmed: true}, func(p store.ImportProblem) {
		reasons = append(reasons, p.Reason)
	})
	if err != nil || rep.Imported != 2 || strings.Join(reasons, " ") != "unsubscribed bounced" {
		t.Fatalf("import of the export: %+v %v %v", rep, reasons, err)
	}
}
