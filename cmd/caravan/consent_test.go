package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const consentToken = "consent-test-admin-token-0123456789abcdef"

// adminCall calls the admin API of p and decodes its JSON answer into out.
func adminCall(t *testing.T, p *program, method, path string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, p.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+consentToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, body)
		}
	}
	return resp.StatusCode
}

// confirmationTo waits for a confirmation mail whose To header is to (the
// spelling exactly) in the outbox of p, and returns it.
func confirmationTo(t *testing.T, p *program, to string) []byte {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // generous: CI machines are busy
	for {
		files, _ := filepath.Glob(filepath.Join(p.dir, "outbox", "*.eml"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if confirmPath.Match(b) && strings.Contains(string(b), "\nTo: "+to+"\r\n") {
				return b
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no confirmation mail to %s in the outbox", to)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConsentHistoryAndSuppressionsThroughTheProgram runs the whole program:
// a reader signs up and confirms, leaves by the admin API; someone else posts
// the address to the form; the admin API shows the whole consent history and
// the suppression, and lifts it with a reason, which the command line lists.
func TestConsentHistoryAndSuppressionsThroughTheProgram(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir, map[string]string{"CARAVAN_ADMIN_TOKEN": consentToken, "CARAVAN_RATE_LIMIT": "0"})
	signupForm(t, p.url, "reader@example.org")
	walkConfirm(t, p.url, confirmationTo(t, p, "<reader@example.org>"))
	req, _ := http.NewRequest("POST", p.url+"/api/admin/unsubscribe", strings.NewReader(`{"email":"reader@example.org"}`))
	req.Header.Set("Authorization", "Bearer "+consentToken)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("admin unsubscribe: %v %v", resp, err)
	}
	// Someone else: another spelling, other choices. The reader stays as they were.
	resp, err := noRedirect.PostForm(p.url+"/subscribe", url.Values{"email": {"READER@example.org"}, "frequency": {"weekly"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second signup: %v %v", resp, err)
	}
	confirmationTo(t, p, "<READER@example.org>") // the spelling just typed

	var rec struct {
		Subscriber struct {
			Status, Frequency string
		}
		ConsentHistory []struct {
			Event, Channel, Source, IP, At string
			FormVersion                    string `json:"form_version"`
		} `json:"consent_history"`
	}
	if code := adminCall(t, p, "GET", "/api/admin/subscribers/reader%40example.org", &rec); code != 200 {
		t.Fatalf("record: %d", code)
	}
	if rec.Subscriber.Status != "unsubscribed" || rec.Subscriber.Frequency != "daily" {
		t.Fatalf("a signup by someone else changed the reader: %+v", rec.Subscriber)
	}
	var events []string
	for _, e := range rec.ConsentHistory {
		events = append(events, e.Event+"/"+e.Channel)
		if e.At == "" {
			t.Errorf("event without a time: %+v", e)
		}
	}
	if got := strings.Join(events, " "); got != "signup/form confirm/link unsubscribe/admin signup/form" {
		t.Fatalf("consent history: %s", got)
	}
	if first := rec.ConsentHistory[0]; first.IP != "127.0.0.0/24" || first.FormVersion == "" || first.Source == "" {
		t.Fatalf("signup record: %+v", first)
	}

	var page struct {
		Suppressions []struct {
			Reason, Email string
		}
	}
	if code := adminCall(t, p, "GET", "/api/admin/suppressions?email=reader%40example.org", &page); code != 200 ||
		len(page.Suppressions) != 1 || page.Suppressions[0].Reason != "unsubscribed-admin" {
		t.Fatalf("suppressions: %d %+v", code, page)
	}
	var lifted struct {
		Suppression struct {
			Reason     string
			LiftReason string `json:"lift_reason"`
		}
	}
	if code := adminCall(t, p, "DELETE", "/api/admin/suppressions/reader%40example.org?reason=asked+by+letter", &lifted); code != 200 ||
		lifted.Suppression.LiftReason != "admin API: asked by letter" {
		t.Fatalf("lift: %d %+v", code, lifted)
	}
	if code := adminCall(t, p, "DELETE", "/api/admin/suppressions/reader%40example.org", &struct{}{}); code != 404 {
		t.Fatalf("lifting twice: %d", code)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	out, _, err := subscribersCLI(t, dir, "", "suppressions", "list", "--all")
	if err != nil || !strings.Contains(out, "reader@example.org") || !strings.Contains(out, "asked by letter") {
		t.Fatalf("suppressions list --all: %v\n%s", err, out)
	}
	if out, _, _ := subscribersCLI(t, dir, "", "suppressions", "list"); strings.Contains(out, "reader@") {
		t.Fatalf("a lifted suppression listed as in force:\n%s", out)
	}
}

// TestSuppressionsCommands lifts a suppression from the command line.
func TestSuppressionsCommands(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := subscribersCLI(t, dir, "", "subscribers", "unsubscribe", "phoned@example.org"); err != nil {
		t.Fatal(err)
	}
	out, _, err := subscribersCLI(t, dir, "", "suppressions", "list")
	if err != nil || !strings.Contains(out, "unsubscribed-unknown") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, _, err = subscribersCLI(t, dir, "", "suppressions", "remove", "Phoned@example.org", "--reason", "wrote to ask")
	if err != nil || !strings.Contains(out, "lifted: command line: wrote to ask") {
		t.Fatalf("remove: %v\n%s", err, out)
	}
	if _, _, err := subscribersCLI(t, dir, "", "suppressions", "remove", "phoned@example.org"); err == nil ||
		!strings.Contains(err.Error(), "not suppressed") {
		t.Fatalf("remove twice: %v", err)
	}
	if _, _, err := subscribersCLI(t, dir, "", "suppressions", "remove", "not an address"); err == nil {
		t.Fatal("bad address: no error")
	}
}
