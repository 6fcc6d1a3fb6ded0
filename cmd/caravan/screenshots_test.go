package main

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

var screenshotDir = flag.String("screenshots", "",
	"write PNG screenshots of every page and mail into this folder (TestScreenshots), e.g. ../../docs/screenshots")

// shot is one picture: a page reached by steps, saved as name-phone.png and name-desktop.png.
type shot struct {
	name  string
	lang  string
	dark  bool
	steps []chromedp.Action[chromedp.Void]
}

// TestScreenshots renders every page, the form under an article, and the
// mails, at phone and desktop widths, into -screenshots=DIR (1x, PNG). It runs
// only when asked: go test ./cmd/caravan -run TestScreenshots -screenshots=../../docs/screenshots
func TestScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("screenshots not asked for: add -screenshots=DIR")
	}
	env := newBrowserEnv(t, map[string]string{"CARAVAN_FROM": "Asie centrale <newsletter@asie-centrale.example>"})
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	mails := writeSampleMails(t, env)
	for _, vp := range []viewport{phone, desktop} {
		tabs := map[[2]any]context.Context{}
		for _, s := range pageShots(t, env, mails) {
			key := [2]any{s.lang, s.dark}
			tab, ok := tabs[key]
			if !ok {
				tab = openTab(t, env.browser, vp, s.lang, s.dark)
				tabs[key] = tab
			}
			act(t, tab, s.steps...)
			raw := read(t, tab, chromedp.FullScreenshot(100))
			path := filepath.Join(*screenshotDir, s.name+"-"+vp.name+".png")
			if err := os.WriteFile(path, recompress(t, raw), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// pageShots lists the pictures to take, with fresh readers, since some of the
// steps (confirm, unsubscribe) change them.
func pageShots(t *testing.T, env *browserEnv, mails map[string]string) []shot {
	t.Helper()
	res, err := env.store.Subscribe(context.Background(), store.Signup{Email: uniqueEmail("pending"), Frequency: "daily",
		Locale: "fr", Countries: []string{"kg"}, Consent: store.Consent{Method: "form"}})
	if err != nil {
		t.Fatal(err)
	}
	confirm := env.caravan.url + "/confirm/" + env.links.Make(store.PurposeConfirm, res.SubscriberID, time.Hour)
	expired := env.caravan.url + "/confirm/" + env.links.Make(store.PurposeConfirm, res.SubscriberID, -time.Hour)
	sub, prefs := activeReader(t, env, "fr")
	unsub := env.caravan.url + "/unsubscribe/" + env.links.Make(store.PurposeUnsubscribe, sub.ID, 0)
	base, article := env.caravan.url, env.site.articleURL("fr")
	nav := func(u string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{chromedp.Navigate(u)}
	}
	press := func(u string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{chromedp.Navigate(u),
			chromedp.Click(chromedp.CSS("main form button"), chromedp.NodeVisible), chromedp.Sleep(300 * time.Millisecond)}
	}
	mistake := []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/?country=kg"),
		chromedp.SendKeys(chromedp.CSS("#caravan-email"), "lecteur.example.org"),
		chromedp.Click(chromedp.CSS(".cvn-submit"), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS("#caravan-email-error"))}
	shots := []shot{
		{"signup-fr", "fr", false, nav(base + "/?country=kg")},
		{"signup-en", "en", false, nav(base + "/?lang=en&country=kg")},
		{"signup-dark", "fr", true, nav(base + "/?country=kg")},
		{"signup-error", "fr", false, mistake},
		{"thanks", "fr", false, nav(base + "/thanks")},
		{"confirm", "fr", false, nav(confirm)},
		{"confirmed", "fr", false, press(confirm)},
		{"expired", "fr", false, nav(expired)},
		{"invalid-link", "fr", false, nav(base + "/confirm/abc")},
		{"privacy", "fr", false, nav(base + "/privacy")},
		{"embed", "fr", false, nav(article)},
		{"embed-en", "en", false, nav(env.site.articleURL("en"))},
		{"embed-thanks", "fr", false, nav(article + "?caravan=pending#caravan-newsletter")},
		{"preferences", "fr", false, nav(prefs)},
		{"preferences-dark", "fr", true, nav(prefs)},
		{"unsubscribe", "fr", false, nav(unsub)},
		{"unsubscribed", "fr", false, press(unsub)},
		{"mail-confirm", "fr", false, nav("file://" + mails["confirm"])},
		{"mail-digest", "fr", false, nav("file://" + mails["digest-fr"])},
		{"mail-digest-en", "en", false, nav("file://" + mails["digest-en"])},
	}
	shots = append(shots, readerShots(t, env, mails, nav)...)
	return shots
}

// recompress makes Chromium's PNG small enough to commit: pages are a few
// flat colours and their anti-aliased edges, so the 256 commonest colours hold
// them with no visible loss, and an indexed PNG is a third of the size.
func recompress(t *testing.T, raw []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colours := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colours = append(colours, c)
	}
	slices.SortFunc(colours, func(a, b color.RGBA) int { return counts[b] - counts[a] })
	pal := make(color.Palette, 0, 256)
	for _, c := range colours[:min(256, len(colours))] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(b, pal)
	draw.Draw(out, b, img, b.Min, draw.Src) // nearest palette colour, no dithering: text stays crisp
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeSampleMails renders the confirmation mail and a digest in each language
// through the program's own composer, and writes the HTML parts to files.
func writeSampleMails(t *testing.T, env *browserEnv) map[string]string {
	t.Helper()
	tpl, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	c, err := digest.NewComposer("Asie centrale <newsletter@example.org>", "https://newsletter.example.org", "Asie centrale",
		templates.DefaultAccent, paris, env.links, tpl)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 7, 0, 0, 0, paris)
	dir := t.TempDir()
	out := map[string]string{}
	write := func(name string, m io.WriterTo) {
		var raw bytes.Buffer
		if _, err := m.WriteTo(&raw); err != nil {
			t.Fatal(err)
		}
		out[name] = filepath.Join(dir, name+".html")
		if err := os.WriteFile(out[name], []byte(htmlPart(t, raw.Bytes())), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reader := store.Subscriber{ID: 42, Email: "lecteur@example.org", Status: store.StatusActive, Frequency: "daily",
		Countries: []string{"kg", "uz"}}
	for _, lang := range []string{"fr", "en"} {
		reader.Locale = lang
		m, err := c.Digest(reader, sampleArticles(lang, now), 4, now)
		if err != nil {
			t.Fatal(err)
		}
		write("digest-"+lang, m)
	}
	reader.Locale = "fr"
	m, err := c.Confirm(reader, now)
	if err != nil {
		t.Fatal(err)
	}
	write("confirm", m)
	readerMails(t, c, reader, now, write)
	return out
}

func sampleArticles(lang string, now time.Time) []store.Article {
	fr := []store.Article{
		{Title: "La Chine et le Kirghizistan renforcent leur coopération", Countries: []string{"kg"},
			Summary: "Lors du sommet Chine-Asie centrale à Xi’an, les deux pays ont signé des accords sur l’énergie, les transports, le commerce, la culture et la sécurité."},
		{Title: "Ouzbékistan\u00a0: la réforme du marché des changes, cinq ans après", Countries: []string{"uz"},
			Summary: "La libéralisation du sum a ouvert le pays aux investisseurs. Les économistes en dressent un bilan contrasté."},
		{Title: "Le corridor Chine-Kirghizistan-Ouzbékistan se précise", Countries: []string{"kg", "uz"},
			Summary: "La ligne ferroviaire par le col de Torugart doit relier les trois pays d’ici la fin de la décennie."},
		{Title: "Sécheresse\u00a0: l’Asie centrale face au manque d’eau", Summary: "Des glaciers du Pamir aux rives de l’Amou-Daria, la région cherche à partager une ressource qui s’épuise."},
	}
	en := []store.Article{
		{Title: "China and Kyrgyzstan strengthen their cooperation", Countries: []string{"kg"},
			Summary: "At the China–Central Asia summit in Xi’an, the two countries signed agreements on energy, transport, trade, culture and security."},
		{Title: "Uzbekistan: the currency reform, five years on", Countries: []string{"uz"},
			Summary: "Freeing the sum opened the country to investors. Economists draw a mixed picture."},
		{Title: "The China–Kyrgyzstan–Uzbekistan corridor takes shape", Countries: []string{"kg", "uz"},
			Summary: "The railway over the Torugart pass should link the three countries by the end of the decade."},
		{Title: "Drought: Central Asia runs short of water", Summary: "From the Pamir glaciers to the Amu Darya, the region looks for ways to share a dwindling resource."},
	}
	list := fr
	if lang == "en" {
		list = en
	}
	for i := range list {
		list[i].ID = int64(i + 1)
		list[i].URL = "https://news.example.org/articles/" + string(rune('a'+i))
		list[i].PublishedAt = now.Add(-time.Duration(i+1) * 3 * time.Hour)
		list[i].ArrivedAt = list[i].PublishedAt
	}
	return list
}

// htmlPart is the decoded text/html part of a raw message.
func htmlPart(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	html, ok := findHTML(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if !ok {
		t.Fatalf("no HTML part in:\n%s", raw)
	}
	return html
}

func findHTML(contentType, encoding string, body io.Reader) (string, bool) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return "", false
			}
			if h, ok := findHTML(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); ok {
				return h, true
			}
		}
	}
	if mediaType != "text/html" {
		return "", false
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	return string(b), err == nil
}
