package server_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/mailer/smtpsink"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// TestDigestOneClickHeaderUnsubscribes sends a real digest through a real SMTP
// server, reads its List-Unsubscribe header, and does what a mail client does
// with RFC 8058: a POST of List-Unsubscribe=One-Click from nowhere, with no
// cookie. The subscriber is out at once and gets no further digest.
func TestDigestOneClickHeaderUnsubscribes(t *testing.T) {
	env := newLeaveEnv(t)
	ctx := t.Context()
	sink, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	snd, err := mailer.NewSMTP(mailer.Config{SMTPURL: sink.URL(), Workers: 1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snd.Close() })
	tpl, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	comp, err := digest.NewComposer("Asie centrale <newsletter@news.example>", env.srv.URL, "Asie centrale", "",
		time.UTC, env.links, tpl)
	if err != nil {
		t.Fatal(err)
	}
	w := &digest.Worker{Store: env.store, Sender: snd, Compose: comp, Workers: 1, Log: slog.New(slog.DiscardHandler)}
	sub := env.active(t, "reader@example.org")
	article := func(guid string) {
		t.Helper()
		env.clock.Add(time.Hour)
		_, _, err := env.store.UpsertArticles(ctx, 0, []store.ArticleInput{{GUID: guid, URL: "https://news.example/" + guid,
			Title: "Bichkek " + guid, Countries: []string{"kg"}}})
		if err != nil {
			t.Fatal(err)
		}
		env.clock.Add(time.Hour)
	}

	article("first")
	if res, err := w.Run(ctx, "daily", env.clock.Now()); err != nil || res.This.Sent != 1 {
		t.Fatalf("first run: %+v %v", res, err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post = %q", m.Header.Get("List-Unsubscribe-Post"))
	}
	link := strings.Trim(strings.TrimSpace(strings.Split(m.Header.Get("List-Unsubscribe"), ",")[0]), "<>")
	if !strings.HasPrefix(link, env.srv.URL+"/unsubscribe/") {
		t.Fatalf("List-Unsubscribe = %q", m.Header.Get("List-Unsubscribe"))
	}

	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://mail.example.net") // a webmail, posting cross-site
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click POST: %d", resp.StatusCode)
	}
	if got := env.status(t, sub.ID); got.Status != store.StatusUnsubscribed || got.UnsubscribeChannel != store.ChannelOneClick {
		t.Fatalf("after one click: %s / %s", got.Status, got.UnsubscribeChannel)
	}

	article("second")
	env.clock.Add(24 * time.Hour)
	if res, err := w.Run(ctx, "daily", env.clock.Now()); err != nil || res.This.Sent != 0 {
		t.Fatalf("second run: %+v %v", res, err)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Fatalf("mailed after unsubscribing: %d messages", n)
	}
}
