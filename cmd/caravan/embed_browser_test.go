package main

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// newsSite is a news site on another origin that shows Caravan's form under
// its articles: its article template fetches the snippet from /embed with the
// article's country and address, as a CMS include would.
type newsSite struct {
	*httptest.Server
	caravan atomic.Value // Caravan's URL, known once it runs
}

func startNewsSite(t *testing.T) *newsSite {
	t.Helper()
	s := &newsSite{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.article))
	t.Cleanup(s.Close)
	return s
}

// articleURL is the address of the sample article in lang.
func (s *newsSite) articleURL(lang string) string {
	if lang == "en" {
		return s.URL + "/en/articles/china-kyrgyzstan"
	}
	return s.URL + "/articles/chine-kirghizistan"
}

func (s *newsSite) article(w http.ResponseWriter, r *http.Request) {
	a := siteArticles["fr"]
	if strings.HasPrefix(r.URL.Path, "/en/") {
		a = siteArticles["en"]
	}
	q := url.Values{"country": {"kg"}, "lang": {a.Lang}, "return_to": {s.URL + r.URL.Path}}
	resp, err := http.Get(s.caravan.Load().(string) + "/embed?" + q.Encode())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	snippet, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		http.Error(w, fmt.Sprintf("embed: %d %s", resp.StatusCode, snippet), http.StatusBadGateway)
		return
	}
	a.Snippet = template.HTML(snippet)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := articlePage.Execute(w, a); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

type sampleArticle struct {
	Lang, Site, Title, Tag string
	Paragraphs             []string
	Snippet                template.HTML
}

// siteArticles is the start of the sample article the site publishes (mission/sample-article.txt).
var siteArticles = map[string]sampleArticle{
	"fr": {Lang: "fr", Site: "Carnets d’Asie centrale", Title: "La Chine et le Kirghizistan renforcent leur coopération",
		Tag: "Kirghizistan", Paragraphs: []string{
			"La Chine et le Kirghizistan ont signé plusieurs accords de coopération lors du sommet Chine-Asie centrale qui s’est tenu à Xi’an du 15 au 17 mai 2023. Ces accords portent sur des domaines tels que l’énergie, les transports, le commerce, la culture et la sécurité.",
			"Le président chinois Xi Jinping et son homologue kirghize Sadyr Japarov ont souligné l’importance stratégique des relations entre les deux pays, qui sont liés par un partenariat global et stratégique depuis 2013.",
		}},
	"en": {Lang: "en", Site: "Central Asia Notebook", Title: "China and Kyrgyzstan strengthen their cooperation",
		Tag: "Kyrgyzstan", Paragraphs: []string{
			"China and Kyrgyzstan signed several cooperation agreements at the China–Central Asia summit held in Xi’an from 15 to 17 May 2023. The agreements cover energy, transport, trade, culture and security.",
			"Chinese President Xi Jinping and his Kyrgyz counterpart Sadyr Japarov stressed the strategic importance of relations between the two countries, bound by a comprehensive strategic partnership since 2013.",
		}},
}

// articlePage is the site's article template. Its style sheet is greedy on
// purpose, as real ones are: type selectors on label, input, button, p, form,
// fieldset and section, which must not reach into the embedded form.
var articlePage = template.Must(template.New("article").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.Site}}</title>
<style>
html { font-size: 62.5%; }
body { margin: 0; font: 1.9rem/1.7 "Palatino Linotype", Palatino, serif; color: #222; background: #fff; }
.top { background: #14325c; padding: 1.2rem 2rem; } .top a { color: #fff; font-weight: bold; text-decoration: none; margin-right: 2rem; }
article { max-width: 72rem; margin: 0 auto; padding: 2rem; }
h1 { font-size: 3.6rem; line-height: 1.15; margin: 1rem 0; } .tag { color: #14325c; font: bold 1.3rem sans-serif; text-transform: uppercase; }
p { margin: 0 0 2rem; text-align: justify; }
h2 { font-size: 3rem; color: #0a7; border-bottom: 2px dotted #0a7; }
section { background: pink; padding: 5rem; }
form { display: grid; grid-template-columns: 1fr 1fr; }
fieldset { border: 3px solid red; padding: 3rem; }
label { display: none; }
input { border: 3px solid magenta; background: yellow; font-size: 30px; }
button { background: #000; color: #ff0; text-transform: uppercase; border-radius: 0; padding: 0; }
a { color: green; }
</style></head>
<body><div class="top"><a href="/">{{.Site}}</a><a href="/{{.Lang}}/rubriques">{{.Tag}}</a></div>
<article><p class="tag">{{.Tag}}</p><h1>{{.Title}}</h1>
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}
{{.Snippet}}
</article></body></html>`))

// isolated checks that the site's greedy style sheet leaves the form as Caravan styles it.
func isolated(t *testing.T, tab context.Context) {
	t.Helper()
	got := read(t, tab, chromedp.Evaluate[map[string]string](`(() => {
		const s = sel => getComputedStyle(document.querySelector("#caravan-signup " + sel));
		return {
			"label display": s("label[for=caravan-email]").display,
			"field background": s("#caravan-email").backgroundColor,
			"field font size": s("#caravan-email").fontSize,
			"button background": s(".cvn-submit").backgroundColor,
			"button case": s(".cvn-submit").textTransform,
			"form display": s("form").display,
			"fieldset border": s("fieldset").borderTopStyle,
			"lead alignment": s(".cvn-lead").textAlign,
		};
	})()`))
	want := map[string]string{
		"label display": "block", "field background": "rgb(255, 255, 255)", "field font size": "16px",
		"button background": "rgb(155, 44, 31)", "button case": "none", "form display": "block",
		"fieldset border": "none", "lead alignment": "left",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("the site's CSS reached the form: %s is %q, want %q", k, got[k], w)
		}
	}
}

// embedByMouse signs up from the form under the article; in French it makes a
// mistake first, and comes back to the article, which says what went wrong.
func embedByMouse(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	p, email, article := env.caravan, uniqueEmail(t.Name()), env.site.articleURL(lang)
	act(t, tab, chromedp.Navigate(article))
	waitText(t, tab, "#caravan-signup h2", templates.T(lang, "signup.kicker"))
	waitText(t, tab, "#caravan-signup .cvn-lead", templates.T(lang, "signup.lead"))
	isolated(t, tab)
	if !read(t, tab, chromedp.Evaluate[bool](`document.querySelector("#caravan-country-kg").checked`)) {
		t.Fatal("the article's country is not pre-selected")
	}
	if isVisible(t, tab, "#caravan-newsletter") || isVisible(t, tab, "#caravan-error") {
		t.Fatal("thank-you or error message shown before any signup")
	}
	if isVisible(t, tab, "#caravan-countries-hint") {
		t.Fatal(`"no country ticked" shows while the article's country is ticked`)
	}
	act(t, tab, chromedp.Click(chromedp.CSS("#caravan-country-kg"), chromedp.NodeVisible))
	if !isVisible(t, tab, "#caravan-countries-hint") {
		t.Fatal(`"no country ticked" is hidden while no country is ticked`)
	}
	act(t, tab, chromedp.Click(chromedp.CSS("#caravan-country-kg"), chromedp.NodeVisible))
	if lang == "fr" {
		act(t, tab,
			chromedp.SendKeys(chromedp.CSS("#caravan-email"), "reader.example.org"),
			chromedp.Click(chromedp.CSS("#caravan-signup .cvn-submit"), chromedp.NodeVisible),
		)
		waitURL(t, tab, "^"+regexp.QuoteMeta(article+"?caravan=invalid#caravan-error")+"$")
		waitText(t, tab, "#caravan-error", templates.T(lang, "embed.error"))
		if !isVisible(t, tab, "#caravan-signup form") {
			t.Fatal("the form is hidden after a mistake")
		}
		act(t, tab, chromedp.Clear(chromedp.CSS("#caravan-email")))
	}
	act(t, tab,
		chromedp.SendKeys(chromedp.CSS("#caravan-email"), email),
		chromedp.Click(chromedp.CSS(".cvn-submit"), chromedp.NodeVisible),
	)
	backOnArticle(t, tab, article, lang)
	confirmByMouse(t, tab, p, email, lang)
	sub := wantSubscriber(t, env.store, email, store.StatusActive, lang, "daily", "kg")
	if sub.Consent.Source != article {
		t.Errorf("consent records the source %q, want the article %s", sub.Consent.Source, article)
	}
}

// backOnArticle checks that the reader is back on the article, looking at the
// thank-you message in place of the form, without JavaScript (CSS :target).
func backOnArticle(t *testing.T, tab context.Context, article, lang string) {
	t.Helper()
	waitURL(t, tab, "^"+regexp.QuoteMeta(article+"?caravan=pending#caravan-newsletter")+"$")
	waitText(t, tab, "#caravan-newsletter", templates.T(lang, "thanks.embed"))
	if isVisible(t, tab, "#caravan-signup form") {
		t.Error("the form is still shown after the signup")
	}
	if !read(t, tab, chromedp.Evaluate[bool](`(r => r.top >= 0 && r.bottom <= innerHeight)(
		document.querySelector("#caravan-newsletter").getBoundingClientRect())`)) {
		t.Error("the thank-you message is off screen")
	}
}

// embedByKeyboard reaches the embedded form with Tab from the top of the
// article, signs up and confirms without a mouse.
func embedByKeyboard(t *testing.T, env *browserEnv, tab context.Context, lang string) {
	p, email, article := env.caravan, uniqueEmail(t.Name()), env.site.articleURL(lang)
	act(t, tab, chromedp.Navigate(article))
	waitText(t, tab, "#caravan-signup h2", templates.T(lang, "signup.kicker"))
	tabUntil(t, tab, "#caravan-email", 6)
	press(t, tab, email)
	tabTo(t, tab, "#caravan-country-kz", "#caravan-country-kg", "#caravan-country-uz", "#caravan-country-tj",
		"#caravan-country-tm", "#caravan-frequency-daily", "button.cvn-submit")
	press(t, tab, kb.Enter)
	backOnArticle(t, tab, article, lang)

	act(t, tab, chromedp.Navigate(confirmLink(t, p, email)))
	waitText(t, tab, "h1", templates.T(lang, "confirm.title"))
	tabUntil(t, tab, "main button", 4)
	press(t, tab, kb.Enter)
	waitText(t, tab, "h1", templates.T(lang, "confirmed.title"))
	wantSubscriber(t, env.store, email, store.StatusActive, lang, "daily", "kg")
}
