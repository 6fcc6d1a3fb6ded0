package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/mailer/smtpsink"
)

// TestUnreachableRelayIsWarnedAtStart: serve checks the relay as it starts,
// and says so at once when nothing answers there.
func TestUnreachableRelayIsWarnedAtStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	p := startServe(t, t.TempDir(), map[string]string{"CARAVAN_SMTP_URL": "smtp://" + dead + "?tls=none"})
	waitFor(t, "a warning about the relay", func() bool { return strings.Contains(p.stderr.String(), "the SMTP relay does not answer") })

	sink, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	p2 := startServe(t, t.TempDir(), map[string]string{"CARAVAN_SMTP_URL": sink.URL()})
	waitFor(t, "the relay check", func() bool { return strings.Contains(p2.stderr.String(), "the SMTP relay answers") })
}

// TestDigestPreviewHTMLAndTestDigest: preview --html prints the HTML part
// of the mail alone; digest test sends the digest of made-up choices
// through the relay, in the language asked, for the countries asked.
func TestDigestPreviewHTMLAndTestDigest(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CARAVAN_DAILY_AT": "0 0 29 2 *"}
	p := startServe(t, dir, env)
	signupForm(t, p.url, "reader@example.org")
	walkConfirm(t, p.url, waitOutbox(t, dir, 1)[0])
	p.stop()
	file := filepath.Join(dir, "a.json")
	os.WriteFile(file, []byte(`[{"url":"https://news.example.org/kg/1","title":"Bichkek inaugure un tramway","countries":["Kirghizistan"]},
		{"url":"https://news.example.org/kz/1","title":"Astana et l'eau","countries":["kz"]}]`), 0o644)
	if out, err := cli(t, dir, env, "articles", "import", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	var out, errb syncBuffer
	if err := run(t.Context(), []string{"digest", "preview", "--email", "reader@example.org", "--html"}, testEnv(dir, env), nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if html := out.String(); !strings.HasPrefix(html, "<!doctype html>") || !strings.Contains(html, "Bichkek inaugure un tramway") ||
		strings.Contains(html, "Astana") || !strings.Contains(errb.String(), "Subject:") {
		t.Fatalf("preview --html: stdout:\n%s\nstderr:\n%s", html, errb.String())
	}

	sink, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	env["CARAVAN_SMTP_URL"] = sink.URL()
	sent, err := cli(t, dir, env, "digest", "test", "--to", "editor@example.org", "--countries", "kz", "--lang", "en")
	if err != nil || !strings.Contains(sent, "Test digest sent to editor@example.org") {
		t.Fatalf("%v\n%s", err, sent)
	}
	waitFor(t, "the test digest at the relay", func() bool { return sink.Count() == 1 })
	msg := sink.Messages()[0]
	text, _ := mailParts(t, msg.Data)
	if msg.To[0] != "editor@example.org" || !strings.HasPrefix(headerOf(t, msg.Data, "Subject"), "[Test] 1 new article: Kazakhstan") ||
		!strings.Contains(text, "Astana") || strings.Contains(text, "Bichkek") {
		t.Fatalf("test digest to %v: %s\n%s", msg.To, headerOf(t, msg.Data, "Subject"), text)
	}
	if out, err := cli(t, dir, env, "digest", "test", "--to", "editor@example.org", "--countries", "tm"); err == nil ||
		!strings.Contains(err.Error(), "nothing to send") {
		t.Fatalf("test digest with nothing to send: %v\n%s", err, out)
	}
}

// TestCrossOriginRefusalIsLogged: a form posted from a site not allowed to
// embed it gets 403, and the log says so at info level, without the address.
func TestCrossOriginRefusalIsLogged(t *testing.T) {
	p := startServe(t, t.TempDir(), nil)
	req, _ := http.NewRequest("POST", p.url+"/subscribe", strings.NewReader("email=a%40example.org&frequency=daily"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://news.example.org")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403", resp.StatusCode)
	}
	var line string
	waitFor(t, "the refusal in the log", func() bool {
		for _, l := range strings.Split(p.stderr.String(), "\n") {
			if strings.Contains(l, "cross-origin request refused") {
				line = l
				return true
			}
		}
		return false
	})
	if !strings.Contains(line, "level=INFO") || !strings.Contains(line, "origin=https://news.example.org") ||
		!strings.Contains(line, "CARAVAN_ALLOWED_ORIGINS") || strings.Contains(line, "127.0.0.1") {
		t.Fatalf("log line: %s", line)
	}
}
