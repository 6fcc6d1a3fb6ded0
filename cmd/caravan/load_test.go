package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// TestSignupBurst sends a bounded burst of concurrent signups to the real program,
// through a "proxy" so that each client has its own address for the rate limiter,
// while one abusive client hammers the form from a single address.
func TestSignupBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("burst test skipped in -short mode")
	}
	dir := t.TempDir()
	p := startServe(t, dir, map[string]string{"CARAVAN_TRUSTED_PROXIES": "127.0.0.1", "CARAVAN_RATE_LIMIT": "30",
		"CARAVAN_SMTP_URL": "smtp://127.0.0.1:1?tls=none"}) // mail stays queued: the relay is down
	const unique, dupEvery, workers, abusive = 3000, 10, 48, 300
	tr := &http.Transport{MaxIdleConnsPerHost: workers + 1}
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer tr.CloseIdleConnections()
	post := func(email, ip string) (int, string) {
		form := url.Values{"email": {email}, "countries": {"kz"}}
		req, _ := http.NewRequest(http.MethodPost, p.url+"/subscribe", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	var next atomic.Int64
	var ok, fiveXX, other atomic.Int64
	var abuseOK, abuse429, abuseRetry atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > unique+unique/dupEvery {
					return
				}
				n := i
				if i > unique { // the duplicates: addresses already sent, in another case
					n = (i - unique) * dupEvery
				}
				email := fmt.Sprintf("Reader%d@burst.example.org", n)
				if i > unique {
					email = strings.ToLower(email)
				}
				code, _ := post(email, fmt.Sprintf("198.51.%d.%d", i/250, i%250))
				switch {
				case code == http.StatusSeeOther:
					ok.Add(1)
				case code >= 500:
					fiveXX.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range abusive {
			code, retry := post(fmt.Sprintf("abuse%d@burst.example.org", i), "203.0.113.66")
			switch code {
			case http.StatusSeeOther:
				abuseOK.Add(1)
			case http.StatusTooManyRequests:
				abuse429.Add(1)
				if retry != "" {
					abuseRetry.Add(1)
				}
			}
		}
	})
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("%d signups in %v", next.Load()-workers, elapsed)
	if fiveXX.Load() != 0 || other.Load() != 0 || ok.Load() != unique+unique/dupEvery {
		t.Fatalf("ok %d, 5xx %d, other %d", ok.Load(), fiveXX.Load(), other.Load())
	}
	// A burst of 30, then one more every 2 s (30 a minute) while the test runs.
	allowed := 30 + int64(elapsed/(2*time.Second)) + 1
	if abuseOK.Load() < 30 || abuseOK.Load() > allowed || abuse429.Load() != abusive-abuseOK.Load() || abuseRetry.Load() != abuse429.Load() {
		t.Fatalf("abusive client: %d accepted, %d refused (%d with Retry-After)", abuseOK.Load(), abuse429.Load(), abuseRetry.Load())
	}
	if strings.Contains(p.stderr.String(), "SQLITE_BUSY") || strings.Contains(p.stderr.String(), "level=ERROR msg=\"request failed\"") {
		t.Fatalf("errors in the log:\n%s", p.stderr)
	}
	p.stop()
	st, err := store.Open(context.Background(), filepath.Join(dir, "caravan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored, queued := countSignups(t, st)
	abused := int(abuseOK.Load())
	if stored != unique+abused {
		t.Fatalf("stored %d subscribers, want %d", stored, unique+abused)
	}
	// Every signup queued a confirmation mail: the duplicates one more each (within the daily cap).
	if queued != unique+unique/dupEvery+abused {
		t.Fatalf("queued %d confirmation mails, want %d", queued, unique+unique/dupEvery+abused)
	}
}

func countSignups(t *testing.T, st *store.Store) (subscribers, queued int) {
	t.Helper()
	q, err := st.QueuedMail(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stats, err := st.Stats(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return int(stats.ByStatus[store.StatusPending]), q
}
