package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer/smtpsink"
	"github.com/caravan-news/caravan/store"
)

// syncBuffer is a bytes.Buffer safe for the program and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// program is a running `caravan serve`, started through run as main does.
type program struct {
	url    string
	dir    string
	stdout *syncBuffer
	stderr *syncBuffer
	stop   func() error
}

// testEnv is the environment of a program run by a test: its database and
// outbox in dir, a free port, and env on top.
func testEnv(dir string, env map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		switch k {
		case "CARAVAN_DATABASE":
			return filepath.Join(dir, "caravan.db")
		case "CARAVAN_OUTBOX":
			return filepath.Join(dir, "outbox")
		case "CARAVAN_ADDR":
			return "127.0.0.1:0"
		}
		return ""
	}
}

// startServe runs `caravan serve` in dir with env on a free port and waits until it listens.
func startServe(t *testing.T, dir string, env map[string]string, args ...string) *program {
	t.Helper()
	getenv := testEnv(dir, env)
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{dir: dir, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), getenv, strings.NewReader(""), p.stdout, p.stderr)
	}()
	var once sync.Once
	var runErr error
	p.stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { p.stop() })
	re := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
			p.url = m[1]
			return p
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, p.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start:\n%s", p.stderr)
	return nil
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var confirmPath = regexp.MustCompile(`/confirm/[A-Za-z0-9_-]+`)

// walkConfirm follows the confirmation link found in a raw message, the way a reader does.
func walkConfirm(t *testing.T, base string, raw []byte) {
	t.Helper()
	path := confirmPath.Find(raw)
	if path == nil {
		t.Fatalf("no confirmation link in:\n%s", raw)
	}
	resp, err := http.Get(base + string(path))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Confirmer")) || !bytes.Contains(body, []byte(`method="post"`)) {
		t.Fatalf("confirm page: %d\n%s", resp.StatusCode, body)
	}
	resp, err = http.Post(base+string(path), "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Inscription confirmée")) {
		t.Fatalf("confirm: %d\n%s", resp.StatusCode, body)
	}
}

func signupForm(t *testing.T, base, email string) {
	t.Helper()
	form := url.Values{"email": {email}, "countries": {"kg", "uz"}, "frequency": {"daily"}, "lang": {"fr"}}
	resp, err := noRedirect.PostForm(base+"/subscribe", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/thanks?lang=fr" {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func assertActive(t *testing.T, dbPath, email string) {
	t.Helper()
	st, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sub, err := st.SubscriberByEmail(context.Background(), email)
	if err != nil || sub.Status != store.StatusActive || strings.Join(sub.Countries, ",") != "kg,uz" {
		t.Fatalf("subscriber: %+v %v", sub, err)
	}
	if sub.Consent.Method != "form" || sub.Consent.IP != "127.0.0.0/24" || sub.Consent.ConfirmedAt.IsZero() {
		t.Fatalf("consent record: %+v", sub.Consent)
	}
}

// TestSignupConfirmThroughOutbox walks the whole journey on the embedded
// defaults: signup → .eml in the outbox → confirm page → confirm → active.
func TestSignupConfirmThroughOutbox(t *testing.T) {
	dir := t.TempDir()
	p := startServe(t, dir, nil)
	if !strings.Contains(p.stdout.String(), "Admin token (shown once") {
		t.Fatalf("no admin token printed on first start:\n%s", p.stdout)
	}
	signupForm(t, p.url, "Reader@Example.org")
	var eml []byte
	waitFor(t, "a .eml in the outbox", func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
		if len(files) == 0 {
			return false
		}
		eml, _ = os.ReadFile(files[0])
		return true
	})
	if !bytes.Contains(eml, []byte("To: <Reader@example.org>")) {
		t.Fatalf("recipient header:\n%s", eml)
	}
	walkConfirm(t, p.url, eml)
	if err := p.stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	assertActive(t, filepath.Join(dir, "caravan.db"), "reader@example.org")

	// A second start keeps the admin token secret: it is printed only once.
	p2 := startServe(t, dir, nil)
	if strings.Contains(p2.stdout.String(), "Admin token") {
		t.Fatalf("admin token printed again:\n%s", p2.stdout)
	}
}

// TestSignupConfirmThroughSMTP is the same journey with the mail going to a real SMTP server.
func TestSignupConfirmThroughSMTP(t *testing.T) {
	sink, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	dir := t.TempDir()
	p := startServe(t, dir, map[string]string{"CARAVAN_SMTP_URL": sink.URL()})
	signupForm(t, p.url, "smtp-reader@example.org")
	waitFor(t, "a message at the SMTP server", func() bool { return sink.Count() == 1 })
	msg := sink.Messages()[0]
	if len(msg.To) != 1 || msg.To[0] != "smtp-reader@example.org" {
		t.Fatalf("envelope: %+v", msg.To)
	}
	walkConfirm(t, p.url, msg.Data)
	p.stop()
	assertActive(t, filepath.Join(dir, "caravan.db"), "smtp-reader@example.org")
	if files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml")); len(files) != 0 {
		t.Fatalf("outbox used although SMTP is set: %v", files)
	}
}

// TestBadConfigurationIsAClearError: each bad setting stops the start with a
// message naming both its flag and its variable.
func TestBadConfigurationIsAClearError(t *testing.T) {
	cases := map[string][]string{
		"send-workers":        {"--send-workers", "zero"},
		"database":            {"--database", ""},
		"timezone":            {"--timezone", "Mars/Olympus"},
		"base-url":            {"--base-url", "localhost"},
		"smtp-url":            {"--smtp-url", "smtp://127.0.0.1:25?tls=maybe"},
		"daily-at":            {"--daily-at", "7h"},
		"dkim-domain":         {"--dkim-selector", "caravan"},
		"feedback-id":         {"--feedback-id", "a:b"},
		"return-path":         {"--return-path", "Bounces <bounces@example.org>"},
		"bounce-mailbox":      {"--bounce-mailbox", "pop3s://u:p@host"},
		"sendgrid-public-key": {"--sendgrid-public-key", "not-a-key"},
		"webhook-secret":      {"--webhook-url", "https://crm.example.org/hook", "--webhook-secret", "short"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errb syncBuffer
			getenv := func(k string) string {
				if k == "CARAVAN_DATABASE" {
					return filepath.Join(t.TempDir(), "c.db")
				}
				return ""
			}
			err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), getenv, nil, &out, &errb)
			env := "CARAVAN_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
			if err == nil || !strings.Contains(err.Error(), "--"+name) || !strings.Contains(err.Error(), env) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestBaseURLWithAPathIsRefused: pages link from the root of the host, so a
// base URL with a path would give readers dead links; it is refused.
func TestBaseURLWithAPathIsRefused(t *testing.T) {
	var out, errb syncBuffer
	env := map[string]string{"CARAVAN_BASE_URL": "https://news.example.org/newsletter"}
	err := run(context.Background(), []string{"serve"}, testEnv(t.TempDir(), env), nil, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "CARAVAN_BASE_URL") || !strings.Contains(err.Error(), "root") {
		t.Fatalf("err = %v", err)
	}
}
