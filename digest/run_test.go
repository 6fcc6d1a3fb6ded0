package digest

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func TestRunSendsEachDigestOnce(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	e.subscriber(t, "ana@example.org", "daily", "fr", "kg")
	e.subscriber(t, "bob@example.org", "daily", "en")
	e.subscriber(t, "wes@example.org", "weekly", "fr")
	e.clock.Add(time.Hour)
	e.article(t, "kg1", e.clock.Now(), "kg")
	e.article(t, "regional", e.clock.Now().Add(-time.Hour))
	e.article(t, "kz1", e.clock.Now().Add(-2*time.Hour), "kz")
	e.clock.Add(time.Minute)
	e.subscriber(t, "cat@example.org", "daily", "fr", "tm") // too late for those: no mail
	e.clock.Add(time.Hour)

	w := e.worker(t, srv.url(), 2)
	slot := e.clock.Now()
	res, err := w.Run(ctx, "daily", slot)
	if err != nil {
		t.Fatal(err)
	}
	want := store.RunCounts{Selected: 3, Sent: 2, SkippedEmpty: 1}
	if !res.Started || !res.Complete || res.Run.Status != store.RunDone || res.Run.RunCounts != want {
		t.Fatalf("run = %+v, want counts %+v", res, want)
	}
	got := srv.byRecipient()
	if len(got) != 2 || got["ana@example.org"] != 1 || got["bob@example.org"] != 1 {
		t.Fatalf("received %v", got)
	}
	for _, m := range srv.messages() {
		checkDigest(t, m)
	}
	ana := messageTo(t, srv, "ana@example.org")
	if s := decoded(t, ana.Msg.Header.Get("Subject")); s != "2 nouveaux articles\u00a0: Kirghizistan · Asie centrale" {
		t.Errorf("ana's subject = %q", s)
	}
	text, html := parts(t, ana)
	for _, s := range []string{"Title kg1", "Title regional", "27 novembre 2026", "Kirghizistan", "Se désinscrire"} {
		if !strings.Contains(text, s) || !strings.Contains(html, s) {
			t.Errorf("ana's digest lacks %q", s)
		}
	}
	if strings.Contains(text, "kz1") || !strings.Contains(html, `href="https://news.example/kg1"`) {
		t.Errorf("ana's digest lists the wrong articles:\n%s", text)
	}
	if s := decoded(t, messageTo(t, srv, "bob@example.org").Msg.Header.Get("Subject")); s != "3 new articles: Kazakhstan, Kyrgyzstan · Asie centrale" {
		t.Errorf("bob's subject = %q", s)
	}

	// The same slot again: nothing.
	again, err := w.Run(ctx, "daily", slot)
	if err != nil || again.Started || again.Run.ID != res.Run.ID || len(srv.messages()) != 2 {
		t.Fatalf("second run: %+v %v, %d messages", again, err, len(srv.messages()))
	}
	// The next slot with nothing new: nothing either.
	e.clock.Add(24 * time.Hour)
	next, err := w.Run(ctx, "daily", e.clock.Now())
	if err != nil || !next.Complete || next.Run.Sent != 0 || next.Run.SkippedEmpty != 3 || len(srv.messages()) != 2 {
		t.Fatalf("next run: %+v %v, %d messages", next, err, len(srv.messages()))
	}
	// Something new: one more each for those who follow it.
	e.article(t, "kg2", e.clock.Now(), "kg")
	e.clock.Add(24 * time.Hour)
	if _, err := w.Run(ctx, "daily", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	got = srv.byRecipient()
	if got["ana@example.org"] != 2 || got["bob@example.org"] != 2 || got["cat@example.org"] != 0 {
		t.Fatalf("after kg2: %v", got)
	}
	last := srv.messages()[len(srv.messages())-1]
	if text, _ := parts(t, last); strings.Contains(text, "kg1") || !strings.Contains(text, "kg2") {
		t.Errorf("third digest resends old news:\n%s", text)
	}
}

func TestRunCancelledThenResumed(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	var emails []string
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		emails = append(emails, name+"@example.org")
		e.subscriber(t, name+"@example.org", "daily", "fr")
	}
	e.clock.Add(time.Hour)
	e.article(t, "news", e.clock.Now(), "uz")
	e.clock.Add(time.Hour)
	slot := e.clock.Now()

	ctx, cancel := context.WithCancel(context.Background())
	srv.onAccept(func(n int) {
		if n == 4 {
			cancel() // SIGTERM while the fourth message is being accepted
		}
	})
	res, err := e.worker(t, srv.url(), 2).Run(ctx, "daily", slot)
	if err != nil {
		t.Fatal(err)
	}
	first := len(srv.messages())
	if res.Complete || res.Run.Status != store.RunFailed || first < 4 || first > 6 || res.Run.Sent != first {
		t.Fatalf("cancelled run: %+v with %d messages received", res, first)
	}

	srv.onAccept(nil)
	e.clock.Add(time.Minute)
	res, err = e.worker(t, srv.url(), 3).Run(context.Background(), "daily", slot)
	if err != nil || !res.Complete || res.Run.Sent != len(emails) || res.Run.Selected != len(emails) {
		t.Fatalf("resumed run: %+v %v", res, err)
	}
	got := srv.byRecipient()
	for _, addr := range emails {
		if got[addr] != 1 {
			t.Errorf("%s received %d digests, want 1", addr, got[addr])
		}
	}
}

func TestRunTakesOverACrashedRun(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	var subs []store.Subscriber
	for _, name := range []string{"a", "b", "c", "d"} {
		subs = append(subs, e.subscriber(t, name+"@example.org", "daily", "en"))
	}
	e.clock.Add(time.Hour)
	e.article(t, "news", e.clock.Now())
	e.clock.Add(time.Minute)
	slot := e.clock.Now()
	// Another process started the run and recorded two digests before it died.
	dead, _, err := e.st.StartRun(ctx, "daily", slot, "dead", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	err = e.st.RecordDeliveries(ctx, dead.ID, []store.Delivery{
		{SubscriberID: subs[0].ID, Status: store.DeliverySent}, {SubscriberID: subs[1].ID, Status: store.DeliverySent}})
	if err != nil {
		t.Fatal(err)
	}
	w := e.worker(t, srv.url(), 2)
	w.StaleAfter = time.Minute
	if res, err := w.Run(ctx, "daily", slot); err != nil || res.Started {
		t.Fatalf("while the other process looks alive: %+v %v", res, err)
	}
	e.clock.Add(2 * time.Minute)
	res, err := w.Run(ctx, "daily", slot)
	if err != nil || !res.Started || !res.Complete || res.Run.ID != dead.ID || res.Run.Sent != 4 {
		t.Fatalf("take over: %+v %v", res, err)
	}
	if got := srv.byRecipient(); len(got) != 2 || got["c@example.org"] != 1 || got["d@example.org"] != 1 {
		t.Fatalf("received %v, want only c and d", got)
	}
}

func TestRunTemporaryAndPermanentFailures(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	for _, name := range []string{"ok1", "ok2", "flaky", "down", "gone"} {
		e.subscriber(t, name+"@example.org", "daily", "fr")
	}
	srv.failData("flaky@example.org", func(n int) error {
		if n == 1 {
			return err451
		}
		return nil
	})
	srv.failData("down@example.org", func(int) error { return err451 })
	srv.failRcpt("gone@example.org", err550)
	e.clock.Add(time.Hour)
	e.article(t, "first", e.clock.Now())
	e.clock.Add(time.Hour)

	w := e.worker(t, srv.url(), 2)
	res, err := w.Run(ctx, "daily", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := store.RunCounts{Selected: 5, Sent: 3, FailedTemp: 1, FailedPerm: 1}
	if !res.Complete || res.Run.RunCounts != want || res.This != want {
		t.Fatalf("run = %+v, want %+v", res, want)
	}
	got := srv.byRecipient()
	if len(got) != 3 || got["flaky@example.org"] != 1 || got["down@example.org"] != 0 {
		t.Fatalf("received %v", got)
	}
	gone, _ := e.st.SubscriberByEmail(ctx, "gone@example.org")
	down, _ := e.st.SubscriberByEmail(ctx, "down@example.org")
	if gone.Status != store.StatusBounced || down.Status != store.StatusActive {
		t.Fatalf("statuses: gone %s, down %s", gone.Status, down.Status)
	}
	if sup, _ := e.st.IsSuppressed(ctx, "gone@example.org"); !sup {
		t.Error("bounced address not suppressed")
	}

	// The server recovers: the next run brings down what it missed, and nobody else gets it twice.
	srv.failData("down@example.org", nil)
	e.article(t, "second", e.clock.Now())
	e.clock.Add(24 * time.Hour)
	res, err = w.Run(ctx, "daily", e.clock.Now())
	if err != nil || res.Run.Sent != 4 || res.Run.Selected != 4 {
		t.Fatalf("next run: %+v %v", res, err)
	}
	text, _ := parts(t, messageTo(t, srv, "down@example.org"))
	if !strings.Contains(text, "Title first") || !strings.Contains(text, "Title second") {
		t.Errorf("down's digest lacks what it missed:\n%s", text)
	}
	if got := srv.byRecipient(); got["gone@example.org"] != 0 || got["ok1@example.org"] != 2 {
		t.Fatalf("after recovery: %v", got)
	}
}

// checkDigest asserts the headers and structure every digest must have.
func checkDigest(t *testing.T, m received) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	exact := map[string]string{
		"From":                  `"Asie centrale" <newsletter@news.example>`,
		"To":                    "<" + m.To + ">",
		"List-Id":               "Asie centrale <newsletter.news.example>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"Precedence":            "bulk",
	}
	for k, v := range exact {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", m.To, k, got, v)
		}
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("%s: Date: %v", m.To, err)
	}
	if !regexp.MustCompile(`^<digest\.[a-z0-9]+@news\.example>$`).MatchString(h.Get("Message-ID")) {
		t.Errorf("%s: Message-ID = %q", m.To, h.Get("Message-ID"))
	}
	unsub := h.Get("List-Unsubscribe")
	if !regexp.MustCompile(`^<https://caravan\.news\.example/unsubscribe/[A-Za-z0-9_-]+>$`).MatchString(unsub) {
		t.Errorf("%s: List-Unsubscribe = %q", m.To, unsub)
	}
	text, html := parts(t, m)
	link := strings.Trim(unsub, "<>")
	if !strings.Contains(text, link) || !strings.Contains(html, link) || !strings.Contains(html, "/preferences/") {
		t.Errorf("%s: no visible unsubscribe and preferences links", m.To)
	}
	if strings.Contains(html, "<img") {
		t.Errorf("%s: images in a digest", m.To)
	}
}

// parts returns the text and HTML parts of a multipart/alternative message, in that order.
func parts(t *testing.T, r received) (text, html string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(r.Raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q", m.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types, bodies = append(types, ct), append(bodies, string(b))
	}
	if len(types) != 2 || types[0] != "text/plain" || types[1] != "text/html" {
		t.Fatalf("parts = %v, want text/plain then text/html", types)
	}
	return bodies[0], bodies[1]
}

func messageTo(t *testing.T, srv *smtpServer, addr string) received {
	t.Helper()
	var found *received
	for _, m := range srv.messages() {
		if m.To == addr {
			found = &m
		}
	}
	if found == nil {
		t.Fatalf("no message to %s", addr)
	}
	return *found
}

func decoded(t *testing.T, s string) string {
	t.Helper()
	out, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
