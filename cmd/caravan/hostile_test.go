package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/caravan-news/caravan/mailer/smtpsink"
)

const (
	hostileAdminToken = "cvn_hostile-admin-token-0123456789"
	hostileSecret     = "hostile-link-secret-0123456789abcdef"
	evil              = "evil@evil.example"
)

// hostileProgram is `caravan serve` with an SMTP server, and a site name full
// of what headers and HTML quote specially.
type hostileProgram struct {
	*program
	sink *smtpsink.Sink
}

func startHostile(t *testing.T) *hostileProgram {
	t.Helper()
	sink, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	p := startServe(t, t.TempDir(), map[string]string{
		"CARAVAN_SMTP_URL":    sink.URL(),
		"CARAVAN_ADMIN_TOKEN": hostileAdminToken,
		"CARAVAN_SECRET":      hostileSecret,
		"CARAVAN_BASE_URL":    "https://caravan.news.example",
		"CARAVAN_SITE_NAME":   `Asie centrale "<b>" & Cie, ` + evil,
		"CARAVAN_DAILY_AT":    "0 0 1 1 *",
		"CARAVAN_WEEKLY_AT":   "0 0 1 1 *",
		"CARAVAN_RATE_LIMIT":  "0",
		"CARAVAN_LOG_LEVEL":   "info",
	})
	return &hostileProgram{program: p, sink: sink}
}

// admin calls the admin API and decodes its JSON answer into out, when given.
func (h *hostileProgram) admin(t *testing.T, method, path, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, h.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+hostileAdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// signup posts the hosted form as a browser on the same site does.
func (h *hostileProgram) signup(t *testing.T, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest("POST", h.url+"/subscribe", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// mailsTo returns the messages the sink accepted for rcpt.
func (h *hostileProgram) mailsTo(rcpt string) []smtpsink.Message {
	var out []smtpsink.Message
	for _, m := range h.sink.Messages() {
		if slices.Contains(m.To, rcpt) {
			out = append(out, m)
		}
	}
	return out
}

var linkToken = regexp.MustCompile(`/(?:confirm|unsubscribe|preferences)/([A-Za-z0-9_-]{16,})`)

// TestHostileInputThroughTheWholeProgram signs people up, confirms them,
// posts articles full of markup and header tricks, and sends a digest run,
// through the real program and a real SMTP server. Header injection attempts
// are refused or neutralized (the raw headers are checked), no markup from
// an article reaches the HTML of a mail as markup, and the info-level log
// holds no address, token or secret.
func TestHostileInputThroughTheWholeProgram(t *testing.T) {
	h := startHostile(t)
	people := []string{"reader.one@example.org", "bounce.two@example.org", "later.three@example.org"}

	// Header injection through the form: refused, nothing sent.
	for name, form := range map[string]url.Values{
		"email":     {"email": {"x@example.org\r\nBcc: " + evil}},
		"email lf":  {"email": {"x@example.org\nBcc: " + evil}},
		"lang":      {"email": {"lang@example.org"}, "lang": {"fr\r\nBcc: " + evil}},
		"country":   {"email": {"country@example.org"}, "countries": {"kg\r\nBcc: " + evil}},
		"frequency": {"email": {"freq@example.org"}, "frequency": {"daily\r\nBcc: " + evil}},
	} {
		if code := h.signup(t, form); code != http.StatusUnprocessableEntity {
			t.Errorf("%s with CR/LF: %d, want 422", name, code)
		}
	}
	for _, addr := range people {
		if code := h.signup(t, url.Values{"email": {addr}, "countries": {"kg"}, "lang": {"fr"},
			"return_to": {"https://evil.example/\r\nSet-Cookie: x=1"}}); code != http.StatusSeeOther {
			t.Fatalf("signup %s: %d", addr, code)
		}
	}
	var tokens []string
	for _, addr := range people {
		waitFor(t, "the confirmation mail to "+addr, func() bool { return len(h.mailsTo(addr)) == 1 })
		raw := h.mailsTo(addr)[0].Data
		checkHeaders(t, "confirmation to "+addr, raw, addr)
		for _, m := range linkToken.FindAllSubmatch(raw, -1) {
			tokens = append(tokens, string(m[1]))
		}
		walkConfirm(t, h.url, raw)
	}
	for _, addr := range people { // the welcome mail, under the same hostile site name
		waitFor(t, "the welcome mail to "+addr, func() bool { return len(h.mailsTo(addr)) == 2 })
		checkHeaders(t, "welcome to "+addr, h.mailsTo(addr)[1].Data, addr)
	}
	if n := len(h.sink.Messages()); n != 2*len(people) {
		t.Fatalf("%d mails sent, want %d: an injected address got one?", n, 2*len(people))
	}

	// Articles full of markup, script URLs and line breaks.
	time.Sleep(5 * time.Millisecond)
	articles := `[
		{"url": "https://news.example.org/kg/1", "countries": ["kg"],
		 "title": "Bichkek <script>alert(1)</script><img src=x onerror=alert(2)>\r\nBcc: ` + evil + `",
		 "summary": "<p onclick=\"steal()\">Lire <a href=\"javascript:alert(3)\">ceci</a></p><script>document.cookie</script><iframe src=\"https://evil.example/\"></iframe>"},
		{"url": "https://news.example.org/r/2", "title": "Région\u2028\u0085 <svg onload=alert(4)>", "summary": "&lt;script&gt;alert(5)&lt;/script&gt;"},
		{"url": "javascript:alert(6)", "title": "A link that runs code"}
	]`
	var added struct {
		Added    int `json:"added"`
		Rejected []struct {
			Index int `json:"index"`
		} `json:"rejected"`
	}
	h.admin(t, "POST", "/api/admin/articles", articles, &added)
	if added.Added != 2 || len(added.Rejected) != 1 || added.Rejected[0].Index != 2 {
		t.Fatalf("articles: %+v", added)
	}
	time.Sleep(5 * time.Millisecond)

	// The server refuses bounce.two for good and later.three for now, quoting
	// the address in its answer as real servers do.
	h.sink.SetFault(func(step smtpsink.Step, rcpt string) error {
		switch {
		case step == smtpsink.StepRcpt && strings.HasPrefix(rcpt, "bounce."):
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + rcpt + ">: No such user"}
		case step == smtpsink.StepData && strings.HasPrefix(rcpt, "later."):
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "<" + rcpt + ">: mailbox busy"}
		}
		return nil
	})
	var started struct {
		ID int64 `json:"id"`
	}
	if code := h.admin(t, "POST", "/api/admin/digests", `{"frequency":"daily"}`, &started); code != http.StatusAccepted {
		t.Fatalf("start digest: %d", code)
	}
	var runs struct {
		Runs []struct {
			Status     string `json:"status"`
			Selected   int    `json:"selected"`
			Sent       int    `json:"sent"`
			FailedTemp int    `json:"failed_temp"`
			FailedPerm int    `json:"failed_perm"`
		} `json:"runs"`
	}
	// later.three is tried three times, 2 s then 4 s apart: the run lasts some 6 s.
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		h.admin(t, "GET", "/api/admin/digests", "", &runs)
		if len(runs.Runs) == 1 && runs.Runs[0].Status == "done" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the digest run did not end: %+v", runs)
		}
	}
	if r := runs.Runs[0]; r.Selected != 3 || r.Sent != 1 || r.FailedTemp != 1 || r.FailedPerm != 1 {
		t.Errorf("run counts %+v, want 3 selected, 1 sent, 1 failed for now, 1 bounced", r)
	}
	var digests []smtpsink.Message // after the confirmation and the welcome mail
	for _, m := range h.mailsTo(people[0]) {
		if bytes.Contains(m.Data, []byte("Message-ID: <digest.")) {
			digests = append(digests, m)
		}
	}
	if len(digests) != 1 {
		t.Fatalf("%d digests to %s", len(digests), people[0])
	}
	raw := digests[0].Data
	checkHeaders(t, "digest", raw, people[0])
	text, htmlPart := mailParts(t, raw)
	checkNoActiveHTML(t, "digest HTML part", htmlPart)
	for _, bad := range []string{"<script", "<img", "<iframe", "<svg", "javascript:"} {
		if strings.Contains(strings.ToLower(htmlPart), bad) {
			t.Errorf("digest HTML part holds %q", bad)
		}
	}
	if !strings.Contains(htmlPart, "Bichkek &lt;script&gt;") || !strings.Contains(text, "Bichkek") {
		t.Errorf("the hostile title is not shown as text:\n%s", htmlPart)
	}
	for _, bad := range []string{"onclick", "document.cookie", "<iframe", "steal()"} {
		if strings.Contains(text, bad) || strings.Contains(htmlPart, bad) {
			t.Errorf("the summary's markup %q reached the digest", bad)
		}
	}
	for _, m := range linkToken.FindAllSubmatch(raw, -1) {
		tokens = append(tokens, string(m[1]))
	}

	// What the log may not hold: the addresses, whatever their case, the admin
	// token, the secret, and the link tokens.
	h.stop()
	logText := h.stderr.String()
	secrets := append([]string{hostileAdminToken, hostileSecret}, tokens...)
	for _, addr := range people {
		local := addr[:strings.IndexByte(addr, '@')]
		secrets = append(secrets, addr, local+"@")
	}
	for _, s := range secrets {
		if strings.Contains(strings.ToLower(logText), strings.ToLower(s)) {
			t.Errorf("the info-level log holds %q", s)
		}
	}
	if !strings.Contains(logText, "digest refused for good") || !strings.Contains(logText, "left for a retry pass") {
		t.Errorf("the log lacks the refusals it should report:\n%s", logText)
	}
	if t.Failed() {
		t.Logf("log:\n%s", logText)
	}
}

// TestLineBreaksInHeaderSettingsAreRefused: the site name and the sender reach
// every mail's headers, so a line break in them stops the program at start.
func TestLineBreaksInHeaderSettingsAreRefused(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"site-name": {"CARAVAN_SITE_NAME": "Asie centrale\r\nBcc: " + evil},
		"from":      {"CARAVAN_FROM": "Newsletter\r\nBcc: " + evil + " <newsletter@news.example>"},
	} {
		out, err := cli(t, t.TempDir(), env, "migrate")
		if err == nil || !strings.Contains(err.Error(), "--"+name) {
			t.Errorf("%s with a line break: %v\n%s", name, err, out)
		}
	}
}

// allowedHeaders are the header fields a Caravan mail may carry.
var allowedHeaders = []string{"Date", "From", "To", "Subject", "Message-Id", "Mime-Version", "Content-Type",
	"Content-Transfer-Encoding", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted",
	"Precedence", "User-Agent", "X-Mailer", "X-Auto-Response-Suppress", "Dkim-Signature"}

// checkHeaders reads the raw header block of a message: only known fields,
// each once, To naming rcpt alone, and no value that decodes to a line break.
func checkHeaders(t *testing.T, what string, raw []byte, rcpt string) {
	t.Helper()
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("%s: no header block", what)
	}
	hdr, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...)))).ReadMIMEHeader()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	dec := new(mime.WordDecoder)
	for k, vs := range hdr {
		if !slices.Contains(allowedHeaders, k) || len(vs) != 1 {
			t.Errorf("%s: header %s: %q", what, k, vs)
			continue
		}
		v, err := dec.DecodeHeader(vs[0])
		if err != nil {
			t.Errorf("%s: %s does not decode: %v", what, k, err)
		}
		if strings.ContainsAny(v, "\r\n") {
			t.Errorf("%s: %s decodes to several lines: %q", what, k, v)
		}
	}
	to, err := mail.ParseAddressList(hdr.Get("To"))
	if err != nil || len(to) != 1 || to[0].Address != rcpt {
		t.Errorf("%s: To %q, want %s alone", what, hdr.Get("To"), rcpt)
	}
}

// mailParts decodes the text and HTML parts of a multipart/alternative message.
func mailParts(t *testing.T, raw []byte) (text, htmlPart string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return text, htmlPart
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable itself
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			htmlPart = string(b)
		}
	}
}

// checkNoActiveHTML parses page as a browser would and fails on anything that
// could run: script-like elements, on* attributes, javascript: URLs.
func checkNoActiveHTML(t *testing.T, what, page string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.DataAtom {
			case atom.Script, atom.Iframe, atom.Object, atom.Embed, atom.Frame, atom.Svg, atom.Math, atom.Img:
				t.Errorf("%s: <%s> element", what, tok.Data)
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:text/html") {
					t.Errorf("%s: <%s %s=%q>", what, tok.Data, a.Key, a.Val)
				}
			}
		}
	}
}
