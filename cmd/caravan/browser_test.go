package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// confirmByMouse opens the link of the confirmation mail and presses the button.
func confirmByMouse(t *testing.T, tab context.Context, p *program, email, lang string) {
	t.Helper()
	act(t, tab, chromedp.Navigate(confirmLink(t, p, email)))
	waitText(t, tab, "h1", templates.T(lang, "confirm.title"))
	act(t, tab, chromedp.Click(chromedp.CSS("main button"), chromedp.NodeVisible))
	waitText(t, tab, "h1", templates.T(lang, "confirmed.title"))
	waitText(t, tab, "[role=status]", templates.T(lang, "confirmed.body"))
}

// browserEnv is what the journeys share: one Chromium, one Caravan, one news
// site on another origin that shows Caravan's form under its articles.
type browserEnv struct {
	browser context.Context
	caravan *program
	site    *newsSite
	store   *store.Store
	links   *store.Signer
}

func newBrowserEnv(t *testing.T, env map[string]string) *browserEnv {
	t.Helper()
	browser := startBrowser(t)
	site := startNewsSite(t)
	full := map[string]string{"CARAVAN_ALLOWED_ORIGINS": site.URL}
	for k, v := range env {
		full[k] = v
	}
	p := startServeForBrowser(t, full)
	site.caravan.Store(p.url)
	return &browserEnv{browser: browser, caravan: p, site: site, store: openStore(t, p),
		links: store.NewSigner(testSecret, time.Now)}
}

// journey is one reader's way through the pages, on one screen, in one language.
type journey struct {
	area     string
	vp       viewport
	lang     string
	keyboard bool
	walk     func(t *testing.T, env *browserEnv, tab context.Context, lang string)
}

func (j journey) name() string {
	how := "mouse"
	if j.keyboard {
		how = "keyboard"
	}
	return j.area + "/" + j.vp.name + "/" + j.lang + "/" + how
}

// TestBrowser walks every journey in headless Chromium, by mouse and by
// keyboard alone, on a phone and a desktop, in French and in English: the
// hosted page, the form embedded in an article on another site, and leaving.
// The journeys run side by side, each in its own tab.
func TestBrowser(t *testing.T) {
	env := newBrowserEnv(t, nil)
	journeys := []journey{
		{"hosted", phone, "fr", false, hostedByMouse},
		{"hosted", desktop, "en", false, hostedByMouse},
		{"hosted", phone, "en", true, hostedByKeyboard},
		{"hosted", desktop, "fr", true, hostedByKeyboard},
		{"embed", phone, "fr", false, embedByMouse},
		{"embed", desktop, "en", false, embedByMouse},
		{"embed", desktop, "fr", true, embedByKeyboard},
		{"leave", phone, "fr", false, leaveByMouse},
		{"leave", desktop, "en", false, leaveByMouse},
		{"leave", phone, "en", true, leaveByKeyboard},
		{"branding", phone, "fr", false, brandedSite},
	}
	for _, j := range journeys {
		t.Run(j.name(), func(t *testing.T) {
			t.Parallel()
			j.walk(t, env, openTab(t, env.browser, j.vp, j.lang, false), j.lang)
		})
	}
}

// hostedByMouse signs up on the hosted page, makes a mistake, corrects it,
// and confirms from the mail.
func hostedByMouse(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	p, email := env.caravan, uniqueEmail(t.Name())
	// French comes from the browser's Accept-Language, English from ?lang=en.
	page := p.url + "/?country=kg"
	if lang == "en" {
		page += "&lang=en"
	}
	act(t, tab, chromedp.Navigate(page))
	waitText(t, tab, "h1", templates.T(lang, "signup.title"))
	if got := read(t, tab, chromedp.Evaluate[string]("document.documentElement.lang")); got != lang {
		t.Fatalf("page language %q, want %q", got, lang)
	}
	if !read(t, tab, chromedp.Evaluate[bool](`document.querySelector("#caravan-country-kg").checked`)) {
		t.Fatal("?country=kg did not pre-select Kyrgyzstan")
	}
	// A mistake first: the error is said in text next to the field, linked to it.
	act(t, tab,
		chromedp.SendKeys(chromedp.CSS("#caravan-email"), "reader.example.org"),
		chromedp.Click(chromedp.CSS(".cvn-submit"), chromedp.NodeVisible),
	)
	waitText(t, tab, "#caravan-email-error", templates.T(lang, "err.email.noat"))
	attrs := read(t, tab, chromedp.Attributes(chromedp.CSS("#caravan-email")))
	if attrs["aria-describedby"] != "caravan-email-error" || attrs["aria-invalid"] != "true" {
		t.Fatalf("invalid field attributes: %v", attrs)
	}
	if !read(t, tab, chromedp.Evaluate[bool](`document.querySelector("#caravan-country-kg").checked`)) {
		t.Fatal("the choices were lost with the error")
	}
	act(t, tab,
		chromedp.Clear(chromedp.CSS("#caravan-email")),
		chromedp.SendKeys(chromedp.CSS("#caravan-email"), email),
		chromedp.Click(chromedp.CSS("label:has(> #caravan-country-uz)"), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS("label:has(> #caravan-frequency-weekly)"), chromedp.NodeVisible),
		chromedp.Click(chromedp.CSS(".cvn-submit"), chromedp.NodeVisible),
	)
	waitURL(t, tab, `/thanks\?lang=`+lang+`$`)
	waitText(t, tab, "h1", templates.T(lang, "thanks.title"))
	waitText(t, tab, "[role=status]", templates.T(lang, "thanks.body"))
	confirmByMouse(t, tab, p, email, lang)
	wantSubscriber(t, env.store, email, store.StatusActive, lang, "weekly", "kg", "uz")
}

// hostedByKeyboard does the journey with Tab, Space, the arrows and Enter only,
// and checks the order in which the focus moves.
func hostedByKeyboard(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	p, email := env.caravan, uniqueEmail(t.Name())
	page := p.url + "/"
	if lang == "en" {
		page += "?lang=en"
	}
	act(t, tab, chromedp.Navigate(page))
	waitText(t, tab, "h1", templates.T(lang, "signup.title"))
	tabTo(t, tab, "a.brand", "a.lang", "#caravan-email")
	press(t, tab, "reader@")
	press(t, tab, kb.Enter) // Enter in a field submits its form
	waitText(t, tab, "#caravan-email-error", templates.T(lang, "err.email.domain"))
	waitFocus(t, tab, "#caravan-email") // autofocus, without JavaScript
	// Select the mistake and type over it.
	press(t, tab, "a", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	press(t, tab, email)
	tabTo(t, tab, "#caravan-country-kz", "#caravan-country-kg")
	press(t, tab, " ")
	tabTo(t, tab, "#caravan-country-uz", "#caravan-country-tj", "#caravan-country-tm", "#caravan-frequency-daily")
	press(t, tab, kb.ArrowDown) // the arrows move within a radio group
	if got := focused(t, tab); got != "#caravan-frequency-weekly" {
		t.Fatalf("ArrowDown went to %s", got)
	}
	tabTo(t, tab, "button.cvn-submit")
	press(t, tab, kb.Enter)
	waitURL(t, tab, `/thanks\?lang=`+lang+`$`)
	waitText(t, tab, "[role=status]", templates.T(lang, "thanks.body"))

	act(t, tab, chromedp.Navigate(confirmLink(t, p, email)))
	waitText(t, tab, "h1", templates.T(lang, "confirm.title"))
	tabUntil(t, tab, "button.cvn-submit", 4)
	press(t, tab, " ") // Space presses a button
	waitText(t, tab, "h1", templates.T(lang, "confirmed.title"))
	wantSubscriber(t, env.store, email, store.StatusActive, lang, "weekly", "kg")
}

// brandedLogo is a small logo the branded site serves inline (data: images pass the CSP).
const brandedLogo = `data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">` +
	`<circle cx="20" cy="20" r="18" fill="%23f5c518"/></svg>`

// brandedSite checks that CARAVAN_SITE_NAME, CARAVAN_ACCENT and CARAVAN_LOGO_URL
// reach the page, and that a light accent gets dark button text to stay readable.
func brandedSite(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	p := startServeForBrowser(t, map[string]string{"CARAVAN_SITE_NAME": "Novastan", "CARAVAN_ACCENT": "#f5c518",
		"CARAVAN_LOGO_URL": brandedLogo})
	act(t, tab, chromedp.Navigate(p.url+"/?lang="+lang))
	waitText(t, tab, "header .brand", "Novastan")
	if title := read(t, tab, chromedp.Title()); !strings.HasSuffix(title, "· Novastan") {
		t.Errorf("title %q does not name the site", title)
	}
	got := read(t, tab, chromedp.Evaluate[map[string]string](`(() => {
		const b = getComputedStyle(document.querySelector(".cvn-submit"));
		const logo = document.querySelector("header .brand img");
		return {rule: getComputedStyle(document.querySelector("header.site")).borderTopColor,
			button: b.backgroundColor, text: b.color, logo: logo && logo.naturalWidth > 0 ? "shown" : "missing"};
	})()`))
	want := map[string]string{"rule": "rgb(245, 197, 24)", "button": "rgb(245, 197, 24)", "text": "rgb(29, 29, 27)", "logo": "shown"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
}
