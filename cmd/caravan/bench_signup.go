package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caravan-news/caravan/server"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// benchSignup posts N signup forms from concurrent clients to the real server
// (real validation, consent record, outbox row in a fresh database: SQLite, or
// PostgreSQL with -database postgres://...) on loopback.
func benchSignup(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("bench signup")
	n := fs.Int("n", 20000, "signups to post")
	clients := fs.Int("clients", 32, "concurrent clients")
	dir := fs.String("dir", "", "folder for the SQLite database (default: a temporary one, removed after)")
	database := fs.String("database", "", "database to measure instead: a SQLite file to create, or a postgres:// URL (a new schema there, dropped after)")
	profile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := parseFlagSet(fs, args); err != nil {
		return err
	}
	if *profile != "" {
		stop, err := startProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *n < 1 || *clients < 1 {
		return fmt.Errorf("-n and -clients must be at least 1")
	}
	db := *database
	if db == "" && *dir != "" {
		db = filepath.Join(*dir, "bench.db")
	}
	dsn, drop, err := benchDatabase(ctx, db)
	if err != nil {
		return err
	}
	defer drop()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	tpl, err := templates.Load()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := server.New(server.Config{BaseURL: "http://127.0.0.1", Site: templates.Site{Name: "Bench"}},
		server.Deps{Log: log, Store: st, Pages: tpl, Links: store.NewSigner("bench", time.Now)})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go e.Server.Serve(ln)
	defer e.Server.Close()
	base := "http://" + ln.Addr().String()

	benchHeader(env, "signup")
	fmt.Fprintf(env.stdout, "posting %d signups from %d clients to %s, database %s\n", *n, *clients, base, benchBackend(st))
	res := postSignups(ctx, base, *n, *clients)
	queued, _ := st.QueuedMail(ctx)
	fmt.Fprintf(env.stdout, "accepted   %d (%d other answers, %d errors)\n", res.accepted, res.other, res.errors)
	fmt.Fprintf(env.stdout, "rate       %.0f accepted/s over %.2fs\n", float64(res.accepted)/res.elapsed.Seconds(), res.elapsed.Seconds())
	fmt.Fprintf(env.stdout, "latency    p50 %.2fms  p99 %.2fms  max %.2fms\n", ms(res.lat.pct(0.5)), ms(res.lat.pct(0.99)), ms(res.lat.pct(1)))
	fmt.Fprintf(env.stdout, "outbox     %d confirmation mails queued\n", queued)
	fmt.Fprintf(env.stdout, "process    %.1fs CPU (server and clients), peak RSS %.0f MB\n", cpuSeconds(), peakRSSMB())
	if res.accepted != *n || queued != *n {
		return fmt.Errorf("expected %d accepted and queued, got %d and %d", *n, res.accepted, queued)
	}
	return nil
}

type signupResult struct {
	accepted, other, errors int
	elapsed                 time.Duration
	lat                     latencies
}

func postSignups(ctx context.Context, base string, n, clients int) signupResult {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer tr.CloseIdleConnections()
	var next atomic.Int64
	var mu sync.Mutex
	res := signupResult{lat: make(latencies, 0, n)}
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			local := make(latencies, 0, n/clients+1)
			var ok, other, errs int
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > int64(n) {
					break
				}
				form := url.Values{"email": {fmt.Sprintf("reader%d@bench.example.org", i)}, "countries": {"kg", "uz"},
					"frequency": {"daily"}, "lang": {"fr"}}
				t0 := time.Now()
				resp, err := client.Post(base+"/subscribe", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
				if err != nil {
					errs++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				local = append(local, time.Since(t0))
				if resp.StatusCode == http.StatusSeeOther {
					ok++
				} else {
					other++
				}
			}
			mu.Lock()
			res.accepted, res.other, res.errors = res.accepted+ok, res.other+other, res.errors+errs
			res.lat = append(res.lat, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
