package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/caravan-news/caravan/mailer/smtpsink"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// deskEnv is the whole program sending through a real SMTP server on
// loopback, an editor account, and readers and articles to work on.
type deskEnv struct {
	*browserEnv
	sink             *smtpsink.Sink
	editor, password string
	readers          []store.Subscriber
}

func newDeskBrowserEnv(t *testing.T) *deskEnv {
	t.Helper()
	sink, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	env := &deskEnv{browserEnv: newBrowserEnv(t, map[string]string{"CARAVAN_SMTP_URL": sink.URL(),
		"CARAVAN_FROM": "Asie centrale <newsletter@asie-centrale.example>"}),
		sink: sink, editor: "redaction@asie-centrale.example", password: "une phrase de passe assez longue"}
	ctx := context.Background()
	hash, err := store.HashPassword(env.password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.AddEditor(ctx, env.editor, hash); err != nil {
		t.Fatal(err)
	}
	for i, email := range []string{"aigerim.sadykova@example.kg", "timur.alimov@example.uz", "nodira.karimova@example.tj"} {
		countries := [][]string{{"kg"}, {"uz", "kz"}, nil}[i]
		res, err := env.store.Subscribe(ctx, store.Signup{Email: email, Frequency: "daily", Locale: "fr", Countries: countries,
			Consent: store.Consent{Method: "form", Source: "https://news.example.org/articles/chine-kirghizistan", IP: "203.0.113.0/24"}})
		if err != nil {
			t.Fatal(err)
		}
		sub, err := env.store.Confirm(ctx, res.SubscriberID)
		if err != nil {
			t.Fatal(err)
		}
		env.readers = append(env.readers, sub)
	}
	waitFor(t, "the welcome mails", func() bool { return len(sink.Messages()) >= 3 }) // sent before any article exists
	if _, err := env.store.AddArticles(ctx, []store.ArticleInput{
		{URL: "https://news.example.org/articles/chine-kirghizistan", Title: "La Chine et le Kirghizistan renforcent leur coopération",
			Summary: "Bichkek et Pékin signent de nouveaux accords.", Countries: []string{"kg"}},
		{URL: "https://news.example.org/articles/ouzbekistan-coton", Title: "Ouzbékistan : la récolte de coton sans travail forcé",
			Countries: []string{"uz"}},
		{URL: "https://news.example.org/articles/asie-centrale-eau", Title: "L’eau, enjeu régional en Asie centrale"},
	}); err != nil {
		t.Fatal(err)
	}
	return env
}

// signIn signs the editor in from the page an unsigned visit to /admin leads to.
func (env *deskEnv) signIn(t *testing.T, tab context.Context, lang string) {
	t.Helper()
	act(t, tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error { // each journey starts signed out
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
	act(t, tab, chromedp.Navigate(env.caravan.url+"/admin"))
	waitURL(t, tab, `/admin/login\?`)
	waitText(t, tab, "h1", templates.T(lang, "desk.login.title"))
	act(t, tab,
		chromedp.SendKeys(chromedp.CSS("#email"), env.editor),
		chromedp.SendKeys(chromedp.CSS("#password"), env.password),
		chromedp.Click(chromedp.CSS("main button[type=submit]"), chromedp.NodeVisible),
	)
	waitURL(t, tab, `/admin\?lang=`+lang+`$`)
	waitText(t, tab, "h1", templates.T(lang, "desk.nav.dashboard"))
}

// signInByKeyboard signs in with the keys alone, and checks that the first
// Tab of a desk page offers to skip to its content.
func (env *deskEnv) signInByKeyboard(t *testing.T, tab context.Context, lang string) {
	t.Helper()
	act(t, tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
	act(t, tab, chromedp.Navigate(env.caravan.url+"/admin/login?lang="+lang))
	waitFocus(t, tab, "#email") // the form's first field has the focus
	press(t, tab, env.editor)
	tabTo(t, tab, "#password")
	press(t, tab, env.password)
	press(t, tab, kb.Enter)
	waitURL(t, tab, `/admin\?lang=`+lang+`$`)
	waitText(t, tab, "h1", templates.T(lang, "desk.nav.dashboard"))
	press(t, tab, kb.Tab)
	if got := focused(t, tab); got != "a.skip" || !isVisible(t, tab, "a.skip") {
		t.Fatalf("first Tab on a desk page went to %s", got)
	}
	press(t, tab, kb.Enter)
	waitFocus(t, tab, "#main")
}

// TestDeskJourney is an editor's morning at the desk, in a real browser against
// the real program: sign in, find a reader and unsubscribe them, preview a
// digest and send a test to a real SMTP server, start a run and watch it reach
// "done", import a list with bad lines, sign out.
func TestDeskJourney(t *testing.T) {
	env := newDeskBrowserEnv(t)
	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			lang := "fr"
			if vp == phone {
				lang = "en"
			}
			tab := openTab(t, env.browser, vp, lang, false)
			if vp == desktop {
				env.signIn(t, tab, lang)
			} else {
				env.signInByKeyboard(t, tab, lang)
			}
			if vp == desktop {
				deskFindAndUnsubscribe(t, env, tab, lang)
				deskPreviewAndTest(t, env, tab, lang)
				deskStartRun(t, env, tab, lang)
			}
			deskImport(t, env, tab, lang)
			deskSignOut(t, env, tab, lang)
		})
	}
}

func deskFindAndUnsubscribe(t *testing.T, env *deskEnv, tab context.Context, lang string) {
	reader := env.readers[2]
	act(t, tab, chromedp.Click(chromedp.CSS(`.desk-nav a[href^="/admin/subscribers"]`), chromedp.NodeVisible))
	waitURL(t, tab, `/admin/subscribers\?`)
	act(t, tab,
		chromedp.SendKeys(chromedp.CSS("#q"), "KARIMOVA"),
		chromedp.Click(chromedp.CSS(".filters button"), chromedp.NodeVisible),
	)
	waitURL(t, tab, `q=KARIMOVA`)
	waitText(t, tab, "tbody", reader.Email)
	if n := read(t, tab, chromedp.Evaluate[int](`document.querySelectorAll("tbody tr").length`)); n != 1 {
		t.Fatalf("the search found %d readers, want 1", n)
	}
	act(t, tab, chromedp.Click(chromedp.CSS(fmt.Sprintf(`tbody a[href^="/admin/subscribers/%d?"]`, reader.ID)), chromedp.NodeVisible))
	waitText(t, tab, "h1", reader.Email)
	act(t, tab, chromedp.Click(chromedp.CSS("#unsubscribe"), chromedp.NodeVisible))
	waitText(t, tab, ".notice", templates.T(lang, "desk.done.unsubscribed"))
	waitText(t, tab, "#audit", templates.T(lang, "desk.reader.audit"))
	waitText(t, tab, "table.audit", templates.T(lang, "desk.action.unsubscribe"))
	wantSubscriber(t, env.store, reader.Email, store.StatusUnsubscribed, "fr", "daily")
}

func deskPreviewAndTest(t *testing.T, env *deskEnv, tab context.Context, lang string) {
	act(t, tab, chromedp.Click(chromedp.CSS(`.desk-nav a[href^="/admin/preview"]`), chromedp.NodeVisible))
	waitURL(t, tab, `/admin/preview\?`)
	act(t, tab,
		chromedp.Click(chromedp.CSS(`label:has(> input[name=countries][value=kg])`), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS("#show-preview"), chromedp.NodeVisible),
	)
	waitURL(t, tab, `countries=kg`)
	waitText(t, tab, "#preview-subject", "Kirghizistan")
	text := read(t, tab, chromedp.TextContent(chromedp.CSS("#preview-text")))
	if !strings.Contains(text, "La Chine et le Kirghizistan") || strings.Contains(text, "coton") {
		t.Fatalf("the Kyrgyz digest's text:\n%s", text)
	}
	// The HTML is shown in a frame of its own.
	waitFor(t, "the HTML mail in its frame", func() bool {
		v, err := pollPage(tab, chromedp.Evaluate[bool](`(f => !!f && !!f.contentDocument && f.contentDocument.body.innerText.includes("La Chine et le Kirghizistan"))(document.querySelector("iframe.mail"))`))
		return err == nil && v
	})
	before := len(env.sink.Messages())
	act(t, tab, chromedp.Click(chromedp.CSS("#send-test"), chromedp.NodeVisible))
	waitText(t, tab, ".notice", templates.T(lang, "desk.done.testsent"))
	waitFor(t, "the test digest at the relay", func() bool {
		for _, m := range env.sink.Messages()[before:] {
			if len(m.To) == 1 && m.To[0] == env.editor && bytes.Contains(m.Data, []byte("Subject: [Test]")) {
				return true
			}
		}
		return false
	})
}

func deskStartRun(t *testing.T, env *deskEnv, tab context.Context, lang string) {
	act(t, tab, chromedp.Click(chromedp.CSS(`.desk-nav a[href^="/admin/runs"]`), chromedp.NodeVisible))
	act(t, tab, chromedp.Click(chromedp.CSS(`a[href^="/admin/runs/new?frequency=daily"]`), chromedp.NodeVisible))
	waitText(t, tab, "main .card p", "2")
	act(t, tab, chromedp.Click(chromedp.CSS("#start-run"), chromedp.NodeVisible))
	waitURL(t, tab, `/admin/runs/\d+\?`)
	// The page reloads itself until the run is over.
	waitText(t, tab, "#run-status", templates.T(lang, "desk.run.done"))
	waitText(t, tab, "#run-sent", "2")
	if got := read(t, tab, chromedp.Evaluate[bool](`!!document.querySelector('meta[http-equiv=refresh]')`)); got {
		t.Fatal("a finished run's page still reloads itself")
	}
}

func deskImport(t *testing.T, env *deskEnv, tab context.Context, lang string) {
	list := filepath.Join(t.TempDir(), "liste.csv")
	os.WriteFile(list, []byte("email,countries,frequency,locale\n"+
		"saule."+lang+"@example.kz,kz,weekly,fr\n"+
		"pas-une-adresse,kg,daily,fr\n"+
		"erlan."+lang+"@example.kz,xx,daily,fr\n"+
		"saule."+lang+"@example.kz,,daily,en\n"), 0o600)
	act(t, tab, chromedp.Click(chromedp.CSS(`.desk-nav a[href^="/admin/import"]`), chromedp.NodeVisible))
	waitURL(t, tab, `/admin/import\?`)
	act(t, tab,
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{list}),
		chromedp.Click(chromedp.CSS("#import"), chromedp.NodeVisible),
	)
	waitText(t, tab, "#import-summary", templates.Tf(lang, "desk.import.summary", 4, 1, 3))
	rows := read(t, tab, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#import-problems tbody tr")].map(r => r.cells[0].textContent + " " + r.cells[2].textContent)`))
	if len(rows) != 3 || rows[0] != "3 invalid_email" || !strings.HasPrefix(rows[1], "4 ") || rows[2] != "5 duplicate" {
		t.Fatalf("import report rows: %q", rows)
	}
}

func deskSignOut(t *testing.T, env *deskEnv, tab context.Context, lang string) {
	act(t, tab, chromedp.Click(chromedp.CSS("header form button"), chromedp.NodeVisible))
	waitURL(t, tab, `/admin/login\?`)
	waitText(t, tab, ".notice", templates.T(lang, "desk.done.signout"))
	act(t, tab, chromedp.Navigate(env.caravan.url+"/admin/subscribers"))
	waitURL(t, tab, `/admin/login\?.*next=%2Fadmin%2Fsubscribers`)
}
