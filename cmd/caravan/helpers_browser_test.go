package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/caravan-news/caravan/store"
)

// The browser tests drive a real headless Chromium against the whole program.
// They need one of these on PATH, and skip with a clear message otherwise.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

func findBrowser() string {
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts a headless Chromium for the test and returns its context;
// each tab the test opens is a child of it.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findBrowser()
	if path == "" {
		t.Skipf("browser tests skipped: none of %s is on PATH (Debian: apt-get install chromium)", strings.Join(browserNames, ", "))
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root in containers and CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// viewport is a screen the tests and screenshots use.
type viewport struct {
	name   string
	w, h   int64
	mobile bool
}

var (
	phone   = viewport{"phone", 375, 740, true}
	desktop = viewport{"desktop", 1280, 900, false}
)

// openTab opens a tab at the viewport's size whose browser asks for pages in
// lang first, as a reader's browser does; dark asks for the dark colour scheme.
func openTab(t *testing.T, browser context.Context, vp viewport, lang string, dark bool) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	emu := []chromedp.EmulateViewportOption{}
	if vp.mobile {
		emu = append(emu, chromedp.EmulateMobile, chromedp.EmulatePortrait)
	}
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	accept := "fr-FR,fr;q=0.9,en;q=0.5"
	if lang == "en" {
		accept = "en-GB,en;q=0.9"
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(vp.w, vp.h, emu...),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Accept-Language": accept},
			})
			return err
		}),
	)
	if err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// stepTimeout bounds each step and wait of a journey, so that a page that never
// shows what the test waits for fails the test instead of hanging it; generous,
// as a loaded CI machine can be slow.
const stepTimeout = 20 * time.Second

// act runs browser steps within stepTimeout.
func act(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		t.Fatalf("%v\nat %s:\n%s", err, loc, body)
	}
}

// read is act for one step that returns a value.
func read[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// waitText waits until the element sel selects shows want (a page after a form
// post replaces the one before, so the element may first show the old text).
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	var got string
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		// Only ASCII white space is folded: the French no-break spaces are part of the text.
		v, err := pollPage(ctx, chromedp.Evaluate[string](`(e => e ? e.textContent.replace(/[ \t\r\n]+/g, " ") : "")(
			document.querySelector(`+jsString(sel)+`))`))
		if err == nil {
			got = v
			if strings.Contains(got, want) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("%s shows %q at %s, want %q", sel, got, loc, want)
}

// pollPage runs one look at a page that may be navigating: an error means "not yet".
func pollPage[T any](ctx context.Context, a chromedp.Action[T]) (T, error) {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return chromedp.Run(pctx, a)
}

// waitFocus waits until the focused element matches sel: autofocus applies
// when the page renders, a moment after it loads.
func waitFocus(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !read(t, ctx, chromedp.Evaluate[bool](`document.activeElement.matches(`+jsString(sel)+`)`)) {
		if time.Now().After(deadline) {
			t.Fatalf("the focus is on %s, want %s", focused(t, ctx), sel)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// isVisible tells whether the element sel selects takes up room on the page.
func isVisible(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return read(t, ctx, chromedp.Evaluate[bool](`(e => !!e && e.getClientRects().length > 0 &&
		getComputedStyle(e).visibility !== "hidden")(document.querySelector(`+jsString(sel)+`))`))
}

// openStore reads the program's database next to it, as an operator would.
func openStore(t *testing.T, p *program) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(p.dir, "caravan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// wantSubscriber checks what the journey stored.
func wantSubscriber(t *testing.T, st *store.Store, email, status, lang, freq string, countries ...string) store.Subscriber {
	t.Helper()
	sub, err := st.SubscriberByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("%s: %v", email, err)
	}
	if sub.Status != status || sub.Locale != lang || sub.Frequency != freq || !slices.Equal(sub.Countries, countries) {
		t.Fatalf("%s stored as %s/%s/%s/%v, want %s/%s/%s/%v", email, sub.Status, sub.Locale, sub.Frequency, sub.Countries,
			status, lang, freq, countries)
	}
	return sub
}

// waitURL waits until the tab's address matches re (after a form post and its redirect).
func waitURL(t *testing.T, ctx context.Context, re string) string {
	t.Helper()
	pattern := regexp.MustCompile(re)
	var loc string
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		l, err := pollPage(ctx, chromedp.Location())
		ready, err2 := pollPage(ctx, chromedp.Evaluate[string]("document.readyState"))
		if err == nil && err2 == nil {
			loc = l
			if pattern.MatchString(loc) && ready == "complete" {
				return loc
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("address is %s, want %s", loc, re)
	return ""
}

// focused names the element that has the keyboard focus: "#id", or the tag and first class.
func focused(t *testing.T, ctx context.Context) string {
	t.Helper()
	return read(t, ctx, chromedp.Evaluate[string](`(e => e.id ? "#" + e.id :
		e.tagName.toLowerCase() + (e.classList.length ? "." + e.classList[0] : ""))(document.activeElement)`))
}

// press sends keys as a keyboard does (kb.Tab, kb.Enter, " ", ...).
func press(t *testing.T, ctx context.Context, keys string, opts ...chromedp.KeyOption) {
	t.Helper()
	act(t, ctx, chromedp.KeyEvent(keys, opts...))
}

// tabTo presses Tab and checks that the focus visits want, in that order.
func tabTo(t *testing.T, ctx context.Context, want ...string) {
	t.Helper()
	for _, w := range want {
		press(t, ctx, kb.Tab)
		if got := focused(t, ctx); got != w {
			t.Fatalf("Tab went to %s, want %s", got, w)
		}
	}
}

// tabUntil presses Tab until the focused element matches the CSS selector sel, at most max times.
func tabUntil(t *testing.T, ctx context.Context, sel string, max int) {
	t.Helper()
	var seen []string
	for range max {
		press(t, ctx, kb.Tab)
		if read(t, ctx, chromedp.Evaluate[bool](`document.activeElement.matches(`+jsString(sel)+`)`)) {
			return
		}
		seen = append(seen, focused(t, ctx))
	}
	t.Fatalf("Tab never reached %s; the focus went %s", sel, strings.Join(seen, " → "))
}

// freeAddr reserves a loopback port for the program: its public URL must be
// known before it starts, as it goes into the embed's form and the mails.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// testSecret signs the links of the program the browser tests start, so that
// the tests can make preference and unsubscribe links as the digest does.
const testSecret = "browser-test-secret-0123456789abcdef"

// startServeForBrowser runs `caravan serve` with its public URL on its own address, no
// rate limit (one client IP makes all the requests) and a known secret.
func startServeForBrowser(t *testing.T, env map[string]string) *program {
	t.Helper()
	addr := freeAddr(t)
	full := map[string]string{"CARAVAN_ADDR": addr, "CARAVAN_BASE_URL": "http://" + addr,
		"CARAVAN_RATE_LIMIT": "0", "CARAVAN_SECRET": testSecret, "CARAVAN_LOG_LEVEL": "warn"}
	for k, v := range env {
		full[k] = v
	}
	return startServe(t, t.TempDir(), full)
}

var mailLink = regexp.MustCompile(`https?://[^\s"<>]+/confirm/[A-Za-z0-9_-]+`)

// confirmLink waits for the confirmation mail to addr in the program's outbox
// and returns its link, as the reader's mail client shows it.
func confirmLink(t *testing.T, p *program, addr string) string {
	t.Helper()
	var link string
	waitFor(t, "the confirmation mail to "+addr, func() bool {
		files, _ := filepath.Glob(filepath.Join(p.dir, "outbox", "*.eml"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil || !strings.Contains(string(raw), "To: <"+addr+">") {
				continue
			}
			// Undo quoted-printable soft line breaks before looking for the link.
			body := strings.ReplaceAll(strings.ReplaceAll(string(raw), "=\r\n", ""), "=\n", "")
			if m := mailLink.FindString(body); m != "" {
				link = m
				return true
			}
		}
		return false
	})
	return link
}

// uniqueEmail gives each journey its own reader.
func uniqueEmail(name string) string {
	return fmt.Sprintf("%s-%d@example.org", strings.NewReplacer("/", "-", " ", "-").Replace(strings.ToLower(name)),
		time.Now().UnixNano()%1e6)
}
