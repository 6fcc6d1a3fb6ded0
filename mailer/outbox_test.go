package mailer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	gomail "github.com/wneessen/go-mail"
)

// newTestOutbox returns an outbox writing into a fresh folder below the test's temp dir.
func newTestOutbox(t *testing.T, cfg Config) *Outbox {
	t.Helper()
	cfg.OutboxDir = filepath.Join(t.TempDir(), "outbox") // not there yet: NewOutbox creates it
	o, err := NewOutbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// outboxFiles returns the names of all entries in the outbox folder.
func outboxFiles(t *testing.T, o *Outbox) []string {
	t.Helper()
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestOutboxWritesParsableMessage(t *testing.T) {
	o := newTestOutbox(t, Config{})
	if err := o.Send(t.Context(), newTestMsg(t, "Rita Reader <Rita.Reader@example.net>")); err != nil {
		t.Fatal(err)
	}

	names := outboxFiles(t, o)
	if len(names) != 1 {
		t.Fatalf("outbox holds %q, want one file and no temporary files", names)
	}
	nameRE := regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-rita\.reader@example\.net-[A-Z2-7]{10}\.eml$`)
	if !nameRE.MatchString(names[0]) {
		t.Errorf("file name %q does not match %s", names[0], nameRE)
	}
	raw, err := os.ReadFile(filepath.Join(o.dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("net/mail cannot read the file: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{
		"From":                  `"Caravan" <news@caravan.example>`,
		"To":                    `"Rita Reader" <Rita.Reader@example.net>`,
		"List-Unsubscribe":      "<https://caravan.example/u/tok3n>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"DKIM-Signature":        "",
	}
	for name, want := range headers {
		if got := msg.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if subject != "Your weekly digest ✓" {
		t.Errorf("Subject = %q", subject)
	}
	if msg.Header.Get("Message-Id") == "" || msg.Header.Get("Date") == "" {
		t.Errorf("Message-ID or Date missing: %v", msg.Header)
	}

	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	wantParts := []struct{ typ, text string }{
		{"text/plain", "Hello reader,\r\nthree new articles this week.\r\n"},
		{"text/html", "<p>Hello reader,</p><p>three new articles this week.</p>"},
	}
	for i, want := range wantParts {
		p, err := parts.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		body, err := io.ReadAll(p) // NextPart undoes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		if typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); typ != want.typ {
			t.Errorf("part %d is %q, want %q", i, typ, want.typ)
		}
		if string(body) != want.text {
			t.Errorf("part %d body %q, want %q", i, body, want.text)
		}
	}
	if _, err := parts.NextPart(); err != io.EOF {
		t.Errorf("want exactly two parts, NextPart after them: %v", err)
	}
}

func TestOutboxConcurrentSendsMakeDistinctFiles(t *testing.T) {
	o := newTestOutbox(t, Config{})
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			// Half the messages share a recipient, so names cannot rely on it.
			errs <- o.Send(t.Context(), newTestMsg(t, fmt.Sprintf("r%d@example.net", i%2)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	names := outboxFiles(t, o)
	if len(names) != n {
		t.Fatalf("%d files, want %d", len(names), n)
	}
	for _, name := range names {
		if !strings.HasSuffix(name, ".eml") {
			t.Errorf("leftover file %q", name)
		}
	}
}

func TestOutboxDKIM(t *testing.T) {
	keyPEM, pub := newDKIMKey(t)
	o := newTestOutbox(t, Config{DKIMKeyPEM: keyPEM, DKIMSelector: "caravan1", DKIMDomain: "caravan.example"})
	m := newTestMsg(t, "reader@example.net")
	m.SetGenHeader("Feedback-ID", "digest:daily:fr:caravan")
	if err := o.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	names := outboxFiles(t, o)
	if len(names) != 1 {
		t.Fatalf("outbox holds %q", names)
	}
	raw, err := os.ReadFile(filepath.Join(o.dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	tags := verifyDKIM(t, raw, pub)
	if tags["d"] != "caravan.example" || tags["s"] != "caravan1" {
		t.Errorf("d=%q s=%q", tags["d"], tags["s"])
	}
	signed := strings.ToLower(tags["h"])
	for _, h := range []string{"from", "subject", "list-unsubscribe", "list-unsubscribe-post", "feedback-id"} {
		if !strings.Contains(":"+signed+":", ":"+h+":") {
			t.Errorf("h=%q does not cover %s", tags["h"], h)
		}
	}
	// The Feedback-ID is signed: pinning the mail on another sender id breaks
	// the signature, and so does adding a second one.
	if n := bytes.Count(raw, []byte("\r\nFeedback-ID: ")); n != 1 {
		t.Fatalf("%d Feedback-ID headers", n)
	}
	forged := bytes.Replace(raw, []byte("Feedback-ID: digest:daily:fr:caravan"), []byte("Feedback-ID: digest:daily:fr:other"), 1)
	if bytes.Equal(forged, raw) {
		t.Fatal("no Feedback-ID to change")
	}
	if _, err := checkDKIM(forged, pub); err == nil {
		t.Error("a changed Feedback-ID still verifies")
	}
	// Verifiers take the bottom-most instance of a signed field (RFC 6376 5.4.2).
	added := bytes.Replace(raw, []byte("Feedback-ID: digest:daily:fr:caravan\r\n"),
		[]byte("Feedback-ID: digest:daily:fr:caravan\r\nFeedback-ID: x:y:z:other\r\n"), 1)
	if _, err := checkDKIM(added, pub); err == nil {
		t.Error("an added Feedback-ID still verifies")
	}
}

func TestOutboxFileNameIsSafe(t *testing.T) {
	tests := []struct{ rcpt, want string }{
		{"<reader@example.net>", "reader@example.net"},
		{"<Mixed.Case+tag@Example.NET>", "mixed.case_tag@example.net"},
		{`<"../../etc/passwd"@example.net>`, "_.._.._etc_passwd_@example.net"},
		{`<"a/b\\c"@example.net>`, "_a_b__c_@example.net"},
		{"<>", "unknown"},
		{"<" + strings.Repeat("x", 100) + "@example.net>", strings.Repeat("x", 64)},
	}
	for _, tc := range tests {
		if got := sanitize(tc.rcpt); got != tc.want {
			t.Errorf("sanitize(%q) = %q, want %q", tc.rcpt, got, tc.want)
		}
	}

	// A real message with a hostile but valid address lands inside the folder.
	o := newTestOutbox(t, Config{})
	if err := o.Send(t.Context(), newTestMsg(t, `"../../evil"@example.net`)); err != nil {
		t.Fatal(err)
	}
	names := outboxFiles(t, o)
	if len(names) != 1 || strings.ContainsAny(names[0], `/\`) {
		t.Fatalf("outbox holds %q", names)
	}
}

func TestOutboxRefuses(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	noRcpt := newTestMsg(t, "reader@example.net")
	noRcpt.Reset()
	tests := []struct {
		name string
		ctx  context.Context
		msg  *gomail.Msg
	}{
		{"cancelled ctx", cancelled, newTestMsg(t, "reader@example.net")},
		{"no recipients", t.Context(), noRcpt},
		{"nil message", t.Context(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := newTestOutbox(t, Config{})
			if err := o.Send(tc.ctx, tc.msg); err == nil {
				t.Fatal("Send succeeded, want error")
			}
			if names := outboxFiles(t, o); len(names) != 0 {
				t.Errorf("refused send left %q", names)
			}
		})
	}
}
