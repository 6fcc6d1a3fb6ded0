package main

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer/smtpsink"
	"github.com/caravan-news/caravan/store"
)

// startReaders runs `caravan serve` with a real SMTP server, a known admin
// token and secret, and env on top: the readers' side tests talk to it.
func startReaders(t *testing.T, dir string, env map[string]string) *hostileProgram {
	t.Helper()
	sink, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	full := map[string]string{
		"CARAVAN_SMTP_URL":    sink.URL(),
		"CARAVAN_ADMIN_TOKEN": hostileAdminToken,
		"CARAVAN_SECRET":      hostileSecret,
		"CARAVAN_RATE_LIMIT":  "0",
		"CARAVAN_DAILY_AT":    "0 7 * * *",
		"CARAVAN_TIMEZONE":    "Europe/Paris",
	}
	for k, v := range env {
		full[k] = v
	}
	return &hostileProgram{program: startServe(t, dir, full), sink: sink}
}

// mailWith waits for a message to rcpt whose subject holds subject, and
// returns its decoded parts.
func (h *hostileProgram) mailWith(t *testing.T, rcpt, subject string) (raw []byte, text, html string) {
	t.Helper()
	waitFor(t, "a mail to "+rcpt+" about "+subject, func() bool {
		for _, m := range h.mailsTo(rcpt) {
			if strings.Contains(decodedSubject(t, m.Data), subject) {
				raw = m.Data
				return true
			}
		}
		return false
	})
	text, html = mailParts(t, raw)
	return raw, text, html
}

func decodedSubject(t *testing.T, raw []byte) string {
	t.Helper()
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(strings.ReplaceAll(head, "\r\n ", " "), "\r\n") {
		if v, ok := strings.CutPrefix(line, "Subject: "); ok {
			s, err := new(mime.WordDecoder).DecodeHeader(v)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	return ""
}

// getPage GETs url and returns the status and body.
func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var prefsLink = regexp.MustCompile(`https?://[^\s"<>]+/preferences/[A-Za-z0-9_-]+`)

// TestWelcomeAndLostLinkThroughTheProgram: a reader confirms and gets the
// welcome mail (what, when, the latest articles of their countries, their
// links); later they ask /manage for their link and get it by mail, while a
// stranger's address gets the very same answer and no mail.
func TestWelcomeAndLostLinkThroughTheProgram(t *testing.T) {
	h := startReaders(t, t.TempDir(), nil)
	status := h.admin(t, "POST", "/api/admin/articles", `[
		{"guid": "kg-1", "url": "https://news.example.org/kg-1", "title": "Bichkek inaugure une ligne de tramway", "countries": ["kg"]},
		{"guid": "tm-1", "url": "https://news.example.org/tm-1", "title": "Achgabat accueille un salon du coton", "countries": ["tm"]}]`, nil)
	if status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("articles: %d", status)
	}
	const reader = "welcome-reader@example.org"
	signupForm(t, h.url, reader) // kg and uz, daily, French
	raw, _, _ := h.mailWith(t, reader, "Confirmez")
	walkConfirm(t, h.url, raw)

	raw, text, htmlPart := h.mailWith(t, reader, "Bienvenue")
	checkHeaders(t, "welcome", raw, reader)
	for _, want := range []string{"Chaque jour vers 7\u00a0h, vous recevrez", "Kirghizistan, Ouzbékistan", "Premier envoi", "à 7\u00a0h\u00a000",
		"Bichkek inaugure une ligne de tramway", "https://news.example.org/kg-1", "/preferences/", "/unsubscribe/"} {
		if !strings.Contains(text, want) || !strings.Contains(htmlPart, want) {
			t.Errorf("welcome lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Achgabat") {
		t.Errorf("welcome lists an article of a country not chosen:\n%s", text)
	}
	if !strings.Contains(string(raw), "List-Unsubscribe: <") || !strings.Contains(string(raw), "List-Unsubscribe-Post: List-Unsubscribe=One-Click") {
		t.Errorf("welcome without one-click unsubscribe headers")
	}

	ask := func(email string) (int, string) {
		resp, err := http.PostForm(h.url+"/manage", url.Values{"email": {email}, "lang": {"fr"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, page := getPage(t, h.url+"/manage"); code != 200 || !strings.Contains(page, `action="/manage"`) {
		t.Fatalf("manage page: %d\n%s", code, page)
	}
	strangerCode, strangerPage := ask("stranger@example.org")
	readerCode, readerPage := ask(strings.ToUpper(reader))
	if strangerCode != 200 || readerCode != 200 || strangerPage != readerPage {
		t.Fatalf("the answers differ: %d / %d\n%s\n---\n%s", strangerCode, readerCode, strangerPage, readerPage)
	}
	if code, page := ask("not an address"); code != http.StatusUnprocessableEntity || !strings.Contains(page, "caravan-email-error") {
		t.Fatalf("malformed address: %d\n%s", code, page)
	}
	_, text, _ = h.mailWith(t, reader, "gérer la newsletter")
	link := prefsLink.FindString(text)
	if link == "" {
		t.Fatalf("no preferences link in:\n%s", text)
	}
	u, _ := url.Parse(link)
	if code, page := getPage(t, h.url+u.Path); code != 200 || !strings.Contains(page, "Vos préférences") {
		t.Fatalf("the mailed link: %d\n%s", code, page)
	}
	if n := len(h.mailsTo("stranger@example.org")); n != 0 {
		t.Fatalf("a stranger got %d mails", n)
	}
}

// TestReminderThroughTheProgram: a signup left unconfirmed for two days gets
// one reminder with a fresh link that works.
func TestReminderThroughTheProgram(t *testing.T) {
	dir := t.TempDir()
	then := time.Now().Add(-49 * time.Hour)
	st, err := store.Open(context.Background(), filepath.Join(dir, "caravan.db"), store.WithClock(func() time.Time { return then }))
	if err != nil {
		t.Fatal(err)
	}
	const reader = "forgetful@example.org"
	if _, err := st.Subscribe(context.Background(), store.Signup{Email: reader, Frequency: "weekly", Locale: "en",
		Consent: store.Consent{Method: "form"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	h := startReaders(t, dir, nil)
	raw, text, _ := h.mailWith(t, reader, "Reminder")
	checkHeaders(t, "reminder", raw, reader)
	if !strings.Contains(text, "only reminder") {
		t.Errorf("reminder text:\n%s", text)
	}
	link := mailLink.FindString(text)
	if link == "" {
		t.Fatalf("no confirmation link in:\n%s", text)
	}
	u, _ := url.Parse(link)
	resp, err := http.Post(h.url+u.Path, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("confirming from the reminder: %d", resp.StatusCode)
	}
	h.mailWith(t, reader, "Welcome")
}

func TestImportWelcomeFlag(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "list.csv")
	os.WriteFile(file, []byte("email,countries,frequency,locale\nimported@example.org,kg,daily,fr\n"), 0o600)
	if out, err := cli(t, dir, nil, "subscribers", "import", file, "--welcome"); err == nil || !strings.Contains(err.Error(), "--confirmed") {
		t.Fatalf("--welcome alone: %v\n%s", err, out)
	}
	out, err := cli(t, dir, nil, "subscribers", "import", file, "--confirmed", "--welcome")
	if err != nil || !strings.Contains(out, "1 welcome mails queued") {
		t.Fatalf("import --confirmed --welcome: %v\n%s", err, out)
	}
}
