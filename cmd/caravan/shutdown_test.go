package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// serveBinary starts `caravan serve` as a process on a free port and returns
// its URL once it listens.
func serveBinary(t *testing.T, env map[string]string) (*proc, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env["CARAVAN_ADDR"] = ln.Addr().String()
	ln.Close()
	p := startBinary(t, env, "serve")
	re := regexp.MustCompile(`listening on (http://\S+)`)
	var base string
	waitFor(t, "caravan serve to listen", func() bool {
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			base = m[1]
			return true
		}
		if p.exited() {
			t.Fatalf("serve exited: %v\n%s", p.err, p.out)
		}
		return false
	})
	return p, base
}

// TestServeSIGTERMDuringSignupBurst stops `caravan serve` with SIGTERM while
// signups pour in. Every signup that got its 303 is stored, with its consent
// and its confirmation mail; nothing is half-written; no request gets a 5xx;
// and the process exits cleanly.
func TestServeSIGTERMDuringSignupBurst(t *testing.T) {
	dsn := storetest.DSN(t)
	p, base := serveBinary(t, map[string]string{"CARAVAN_DATABASE": dsn, "CARAVAN_RATE_LIMIT": "0",
		"CARAVAN_ADMIN_TOKEN": "shutdown-admin-token-0123456789abcdef", "CARAVAN_OUTBOX": t.TempDir(),
		"CARAVAN_SMTP_URL": "smtp://127.0.0.1:1?tls=none"}) // the relay is down: the mails stay queued
	const clients = 32
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var (
		next               atomic.Int64
		mu                 sync.Mutex
		accepted           []string
		refused, fiveXX    atomic.Int64
		afterStop, stopped atomic.Bool
	)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for !afterStop.Load() {
				email := fmt.Sprintf("burst%05d@shutdown.example.org", next.Add(1))
				form := url.Values{"email": {email}, "countries": {"uz"}}
				resp, err := client.PostForm(base+"/subscribe", form)
				if err != nil {
					if stopped.Load() {
						afterStop.Store(true) // the server is gone: the burst is over
					}
					refused.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusSeeOther:
					mu.Lock()
					accepted = append(accepted, email)
					mu.Unlock()
				case resp.StatusCode >= 500:
					fiveXX.Add(1)
				}
			}
		})
	}
	waitFor(t, "signups before the stop", func() bool { mu.Lock(); defer mu.Unlock(); return len(accepted) >= 300 })
	stopped.Store(true)
	p.signal(syscall.SIGTERM)
	err := p.wait(t, 30*time.Second)
	time.AfterFunc(2*time.Second, func() { afterStop.Store(true) })
	wg.Wait()
	if err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, p.out)
	}
	if fiveXX.Load() != 0 {
		t.Fatalf("%d answers were 5xx", fiveXX.Load())
	}

	st := openDBStore(t, dsn)
	defer st.Close()
	ctx := context.Background()
	for _, email := range accepted {
		sub, err := st.SubscriberByEmail(ctx, email)
		if err != nil || sub.Status != store.StatusPending || sub.Consent.Method != "form" || sub.Consent.At.IsZero() {
			t.Fatalf("%s got its 303 but is stored as %+v (%v)", email, sub, err)
		}
	}
	stats, err := st.Stats(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	queued, err := st.QueuedMail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pending := int(stats.ByStatus[store.StatusPending])
	if pending < len(accepted) || queued != pending {
		t.Fatalf("%d signups answered 303, %d stored, %d confirmation mails queued", len(accepted), pending, queued)
	}
	t.Logf("SIGTERM during a burst: %d signups answered 303 and stored, %d stored in all, %d requests refused once it stopped",
		len(accepted), pending, refused.Load())
}

// TestServeSIGTERMDuringDigestRun stops `caravan serve` with SIGTERM while a
// digest run started through the admin API is sending. Every message the SMTP
// server accepted is in the ledger when the process has exited, and `caravan
// digest send` then finishes the run with no duplicate at all.
func TestServeSIGTERMDuringDigestRun(t *testing.T) {
	n := crashSize() / 3
	b := newDigestBed(t, n, 4, 0)
	env := map[string]string{}
	for k, v := range b.env {
		env[k] = v
	}
	p, base := serveBinary(t, env)
	req, _ := http.NewRequest("POST", base+"/api/admin/digests", strings.NewReader(`{"frequency":"daily"}`))
	req.Header.Set("Authorization", "Bearer "+b.env["CARAVAN_ADMIN_TOKEN"])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("start digest: %d", resp.StatusCode)
	}
	b.waitSent(p, int64(n/3))
	p.signal(syscall.SIGTERM)
	if err := p.wait(t, 30*time.Second); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, p.out)
	}
	sent := b.sink.Count()
	if got := b.ledgerSent(t); got != sent || sent == int64(n) {
		t.Fatalf("the server accepted %d digests of %d, the ledger records %d", sent, n, got)
	}
	b.finish(t)
	messages, duplicates := b.verify(t, 0)
	t.Logf("SIGTERM to serve mid-run: %d sent before the stop, %d messages checked, %d duplicates", sent, messages, duplicates)
}
