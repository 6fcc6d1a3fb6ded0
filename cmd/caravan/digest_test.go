package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestDigestSendAndPreview(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := cli(t, dir, nil, "digest", "send"); err == nil || !strings.Contains(err.Error(), "--frequency is required") {
		t.Fatalf("no frequency: %v", err)
	}
	if _, err := cli(t, dir, nil, "digest", "send", "--frequency", "hourly"); err == nil {
		t.Fatal("bad frequency accepted")
	}

	st, err := store.Open(ctx, filepath.Join(dir, "caravan.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []store.Signup{
		{Email: "ana@example.org", Countries: []string{"kg"}, Frequency: "daily", Locale: "fr", Consent: store.Consent{Method: "form"}},
		{Email: "bob@example.org", Frequency: "daily", Locale: "en", Consent: store.Consent{Method: "form"}},
		{Email: "uma@example.org", Countries: []string{"uz"}, Frequency: "daily", Locale: "fr", Consent: store.Consent{Method: "form"}},
	} {
		res, err := st.Subscribe(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Confirm(ctx, res.SubscriberID); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := st.UpsertArticles(ctx, 0, []store.ArticleInput{{URL: "https://news.example.org/kg/1",
		Title: "La Chine et le Kirghizistan renforcent leur coopération", Countries: []string{"kg"}}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	time.Sleep(5 * time.Millisecond) // the run's cutoff comes after the article

	out, err := cli(t, dir, nil, "digest", "preview", "--email", "Ana@example.org")
	if err != nil || !strings.Contains(out, "Subject: 1 nouvel article\u00a0: Kirghizistan") ||
		!strings.Contains(out, "La Chine et le Kirghizistan") {
		t.Fatalf("preview: %v\n%s", err, out)
	}
	if out, err := cli(t, dir, nil, "digest", "preview", "--email", "nobody@example.org"); err == nil {
		t.Fatalf("unknown address previewed:\n%s", out)
	}

	out, err = cli(t, dir, nil, "digest", "send", "--frequency", "daily")
	if err != nil || !strings.Contains(out, "3 subscribers, 2 sent, 1 with nothing new") {
		t.Fatalf("send: %v\n%s", err, out)
	}
	if files, _ := os.ReadDir(filepath.Join(dir, "outbox")); len(files) != 2 {
		t.Fatalf("outbox holds %d files, want 2", len(files))
	}
	out, err = cli(t, dir, nil, "digest", "send", "--frequency", "daily")
	if err != nil || !strings.Contains(out, "was sent already") {
		t.Fatalf("second send: %v\n%s", err, out)
	}
	if files, _ := os.ReadDir(filepath.Join(dir, "outbox")); len(files) != 2 {
		t.Fatalf("second send wrote mail: %d files", len(files))
	}
	out, err = cli(t, dir, nil, "digest", "preview", "--email", "ana@example.org")
	if err != nil || !strings.Contains(out, "Nothing new") {
		t.Fatalf("preview after the run: %v\n%s", err, out)
	}
}
