package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// subscribersCLI runs one command in dir as main does and returns its output.
func subscribersCLI(t *testing.T, dir, stdin string, args ...string) (string, string, error) {
	t.Helper()
	getenv := func(k string) string {
		if k == "CARAVAN_DATABASE" {
			return filepath.Join(dir, "caravan.db")
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestSubscribersCommands(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")
	os.WriteFile(list, []byte("email,countries,frequency,locale\nana@example.org,kg|tj,daily,fr\nbob@example.org,,weekly,en\n"+
		"broken,,daily,fr\nana@example.org,,daily,fr\n"), 0o600)
	out, _, err := subscribersCLI(t, dir, "", "subscribers", "import", list, "--confirmed")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"line 4: broken:", "(invalid_email)", "line 5: ana@example.org:", "(duplicate)",
		"4 rows: 2 imported, 2 skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = subscribersCLI(t, dir, "", "subscribers", "export")
	if err != nil || out != "email,countries,frequency,locale\nana@example.org,kg tj,daily,fr\nbob@example.org,,weekly,en\n" {
		t.Fatalf("export: %v\n%s", err, out)
	}
	out, _, err = subscribersCLI(t, dir, "", "subscribers", "unsubscribe", "ANA@example.org")
	if err != nil || !strings.Contains(out, "is unsubscribed") {
		t.Fatalf("unsubscribe: %v %s", err, out)
	}
	out, _, _ = subscribersCLI(t, dir, "", "subscribers", "unsubscribe", "stranger@example.org")
	if !strings.Contains(out, "not on the list") {
		t.Fatalf("unknown: %s", out)
	}
	out, _, _ = subscribersCLI(t, dir, "", "subscribers", "export")
	if strings.Contains(out, "ana@") {
		t.Fatalf("unsubscribed still exported as active:\n%s", out)
	}
	// From standard input, without --confirmed: nobody who left comes back.
	out, _, err = subscribersCLI(t, dir, "email\nana@example.org\nstranger@example.org\ncarl@example.org\n", "subscribers", "import", "-")
	if err != nil || !strings.Contains(out, "(unsubscribed)") || !strings.Contains(out, "(suppressed)") ||
		!strings.Contains(out, "1 confirmation mails queued") {
		t.Fatalf("stdin import: %v\n%s", err, out)
	}
	if _, _, err := subscribersCLI(t, dir, "", "subscribers", "import", filepath.Join(dir, "missing.csv")); err == nil {
		t.Fatal("missing file: no error")
	}
	os.WriteFile(list, []byte("mail,pays\n"), 0o600)
	if _, _, err := subscribersCLI(t, dir, "", "subscribers", "import", list); err == nil || !strings.Contains(err.Error(), "email,countries,frequency,locale") {
		t.Fatalf("wrong header: %v", err)
	}
	if _, _, err := subscribersCLI(t, dir, "", "subscribers", "unsubscribe"); err == nil {
		t.Fatal("no address: no error")
	}
}

// TestServeAdminAndMetrics runs the whole program: the admin unsubscribe
// endpoint answers with the token and 401 without it, and /metrics answers.
func TestServeAdminAndMetrics(t *testing.T) {
	p := startServe(t, t.TempDir(), map[string]string{"CARAVAN_ADMIN_TOKEN": "s3cret-token-0123456789abcdef-0123456789", "CARAVAN_RECONSENT_AFTER": "26280h"})
	for token, want := range map[string]int{"": 401, "s3cret-token-and-more": 401, "s3cret-token-0123456789abcdef-0123456789": 200} {
		req, _ := http.NewRequest("POST", p.url+"/api/admin/unsubscribe", strings.NewReader(`{"email":"caller@example.org"}`))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("token %q: %d, want %d", token, resp.StatusCode, want)
		}
	}
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(body.String(), "caravan_subscribers{status=\"active\"} 0") ||
		!strings.Contains(body.String(), "process_resident_memory_bytes") {
		t.Fatalf("/metrics: %d\n%.500s", resp.StatusCode, body.String())
	}
}

func TestReconsentAfterIsChecked(t *testing.T) {
	for v, ok := range map[string]bool{"0": true, "26280h": true, "1h": false, "three years": false} {
		_, err := parseConfig(newFlagSet("serve"), []string{"--reconsent-after", v}, func(string) string { return "" })
		if (err == nil) != ok {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// TestSubscribersExportStatusAndFormulas: the command line export neutralises
// formula cells, and --status all says who is what.
func TestSubscribersExportStatusAndFormulas(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")
	os.WriteFile(list, []byte("email\n=cmd|'/Ccalc'!A0@example.org\nleft@example.org\n"), 0o600)
	if _, _, err := subscribersCLI(t, dir, "", "subscribers", "import", "--confirmed", list); err != nil {
		t.Fatal(err)
	}
	if _, _, err := subscribersCLI(t, dir, "", "subscribers", "unsubscribe", "left@example.org"); err != nil {
		t.Fatal(err)
	}
	out, _, err := subscribersCLI(t, dir, "", "subscribers", "export", "--status", "all")
	want := "email,countries,frequency,locale,status\n'=cmd|'/Ccalc'!A0@example.org,,daily,fr,active\n" +
		"left@example.org,,daily,fr,unsubscribed\n"
	if err != nil || out != want {
		t.Fatalf("export --status all: %v\n%s\nwant\n%s", err, out, want)
	}
	out, _, err = subscribersCLI(t, dir, "", "subscribers", "export", "--status", "unsubscribed")
	if err != nil || out != "email,countries,frequency,locale\nleft@example.org,,daily,fr\n" {
		t.Fatalf("export --status unsubscribed: %v\n%s", err, out)
	}
	if _, _, err := subscribersCLI(t, dir, "", "subscribers", "export", "--status", "gone"); err == nil {
		t.Fatal("export --status gone: no error")
	}
}
