package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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

// do runs browser steps with a deadline, so that a page that never shows what
// the test waits for fails the test instead of hanging it.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		t.Fatalf("%v\nat %s:\n%s", err, loc, body)
	}
}

// get is do for one step that returns a value.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// text is the visible text of the first element sel selects.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(get(t, ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// wantText fails unless the element sel selects shows want, after waiting for it.
func wantText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(sel)))
	if got := text(t, ctx, sel); !strings.Contains(got, want) {
		t.Fatalf("%s shows %q, want %q", sel, got, want)
	}
}

// waitURL waits until the tab's address matches re (after a form post and its redirect).
func waitURL(t *testing.T, ctx context.Context, re string) string {
	t.Helper()
	pattern := regexp.MustCompile(re)
	var loc string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		l, err := poll(ctx, chromedp.Location())
		ready, err2 := poll(ctx, chromedp.Evaluate[string]("document.readyState"))
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
	return get(t, ctx, chromedp.Evaluate[string](`(e => e.id ? "#" + e.id :
		e.tagName.toLowerCase() + (e.classList.length ? "." + e.classList[0] : ""))(document.activeElement)`))
}

// press sends keys as a keyboard does (kb.Tab, kb.Enter, " ", ...).
func press(t *testing.T, ctx context.Context, keys string, opts ...chromedp.KeyOption) {
	t.Helper()
	do(t, ctx, chromedp.KeyEvent(keys, opts...))
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
		if get(t, ctx, chromedp.Evaluate[bool](`document.activeElement.matches(`+jsString(sel)+`)`)) {
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

// startCaravan runs `caravan serve` with its public URL on its own address, no
// rate limit (one client IP makes all the requests) and a known secret.
func startCaravan(t *testing.T, env map[string]string) *program {
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
