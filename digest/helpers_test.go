package digest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
	"github.com/caravan-news/caravan/templates"
)

// clock is a settable time source.
type clock = storetest.Clock

// t0 is when every test starts: 27 November 2026, 08:00 in Paris.
var t0 = time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)

// env is a store on a fresh SQLite file, a clock and a composer.
type env struct {
	st      *store.Store
	clock   *clock
	compose *Composer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := storetest.NewClock(t0)
	st := storetest.Open(t, store.WithClock(c.Now))
	tpl, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	comp, err := NewComposer("Asie centrale <newsletter@news.example>", "https://caravan.news.example", "Asie centrale",
		"", paris, store.NewSigner("secret", c.Now), tpl)
	if err != nil {
		t.Fatal(err)
	}
	return &env{st: st, clock: c, compose: comp}
}

// worker returns a Worker sending to the SMTP server at url with n goroutines.
func (e *env) worker(t *testing.T, url string, n int) *Worker {
	t.Helper()
	snd, err := mailer.NewSMTP(mailer.Config{SMTPURL: url, Workers: n, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snd.Close() })
	return &Worker{Store: e.st, Sender: snd, Compose: e.compose, Workers: n, Log: slog.New(slog.DiscardHandler),
		Backoff: 5 * time.Millisecond}
}

// subscriber signs email up with the choices given and confirms it now.
func (e *env) subscriber(t *testing.T, email, frequency, locale string, countries ...string) store.Subscriber {
	t.Helper()
	ctx := context.Background()
	res, err := e.st.Subscribe(ctx, store.Signup{Email: email, Countries: countries, Frequency: frequency, Locale: locale,
		Consent: store.Consent{Method: "form"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := e.st.Confirm(ctx, res.SubscriberID)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// article stores an article arriving now, published at published.
func (e *env) article(t *testing.T, guid string, published time.Time, countries ...string) {
	t.Helper()
	_, _, err := e.st.UpsertArticles(context.Background(), 0, []store.ArticleInput{{GUID: guid,
		URL: "https://news.example/" + guid, Title: "Title " + guid, Summary: "Summary of " + guid,
		Countries: countries, PublishedAt: published}})
	if err != nil {
		t.Fatal(err)
	}
}
