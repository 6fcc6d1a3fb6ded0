package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// benchDigestOptions are the flags of `caravan bench digest` and `caravan bench scale`.
type benchDigestOptions struct {
	n, workers int
	database   string
	sink       string
	baseline   bool
	profile    string
	seed       uint64
}

// benchDigest is `caravan bench digest`: one real digest run to N seeded
// subscribers, then the same number of one pre-rendered message of the same
// size sent with plain SMTP, the ceiling the run is measured against.
func benchDigest(ctx context.Context, env cmdEnv, args []string) error {
	return runBenchDigest(ctx, env, "digest", 100_000, true, args)
}

// benchScale is `caravan bench scale`: the digest run at a million
// subscribers, for its time and peak memory.
func benchScale(ctx context.Context, env cmdEnv, args []string) error {
	return runBenchDigest(ctx, env, "scale", 1_000_000, false, args)
}

func runBenchDigest(ctx context.Context, env cmdEnv, name string, n int, baseline bool, args []string) error {
	fs := newFlagSet("bench "+name, env.stderr)
	o := benchDigestOptions{}
	fs.IntVar(&o.n, "n", n, "active subscribers to seed (about 70 % of them daily: the run sends to those)")
	fs.IntVar(&o.workers, "workers", 8, "SMTP connections, and messages in flight")
	fs.StringVar(&o.database, "database", "", "SQLite file to create (default: a temporary one, removed after)")
	fs.StringVar(&o.sink, "sink", "process", "where the SMTP sink runs: process (a child `caravan bench sink`, CPU measured apart) or inprocess")
	fs.BoolVar(&o.baseline, "baseline", baseline, "also blast one pre-rendered message of the same size with plain SMTP and print the ratio")
	fs.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the digest run to this file")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random subscriber mix")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.n < 1 || o.workers < 1 {
		return errors.New("-n and -workers must be at least 1")
	}
	return o.run(ctx, env, name)
}

func (o benchDigestOptions) run(ctx context.Context, env cmdEnv, name string) error {
	out := env.stdout
	path := o.database
	if path == "" {
		tmp, err := os.MkdirTemp("", "caravan-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "bench.db")
	} else if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("-database %s exists: the benchmark needs a fresh database", path)
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()

	benchHeader(env, name)
	began := time.Now()
	mix, err := seedBench(ctx, st, o.n, o.seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded     %d subscribers (%d daily, %d fr) and %d articles in %.1fs; peak RSS %.0f MB\n",
		o.n, mix.daily, mix.french, benchArticles, time.Since(began).Seconds(), peakRSSMB())
	resetPeakRSS()

	sink, err := startBenchSink(ctx, o.sink)
	if err != nil {
		return err
	}
	defer sink.Close()
	w, snd, err := benchWorker(st, sink.URL(), o.workers)
	if err != nil {
		return err
	}
	defer snd.Close()

	d, err := o.digestRun(ctx, w, sink)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sink       %s, %s\n", o.sinkName(), sink.URL())
	fmt.Fprintf(out, "digest     %d sent in %.2fs: %.0f digests/s, %.1f MB (%.1f KB each), %d connections\n",
		d.sent, d.took.Seconds(), d.rate(), float64(d.sink.Bytes)/1e6, d.avgKB(), o.workers)
	fmt.Fprintf(out, "           sender CPU %.1fs (%.0f µs/digest), sink CPU %s; peak RSS %.0f MB\n",
		d.cpu, d.cpu/float64(d.sent)*1e6, cpuText(d.sink.CPU), d.rss)
	if d.sink.Count != int64(d.sent) || d.sent != mix.daily {
		return fmt.Errorf("the sink received %d messages and the ledger records %d sent, for %d daily subscribers",
			d.sink.Count, d.sent, mix.daily)
	}
	if !o.baseline || d.sent == 0 {
		return nil
	}

	b, err := o.baselineRun(ctx, w, sink, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "baseline   %d × one %.1f KB message with plain SMTP in %.2fs: %.0f msg/s\n",
		b.sent, b.avgKB(), b.took.Seconds(), b.rate())
	fmt.Fprintf(out, "           sender CPU %.1fs (%.0f µs/message), sink CPU %s\n",
		b.cpu, b.cpu/float64(b.sent)*1e6, cpuText(b.sink.CPU))
	fmt.Fprintf(out, "ratio      digest / baseline = %.2f\n", d.rate()/b.rate())
	return nil
}

func (o benchDigestOptions) sinkName() string {
	if o.sink == "process" {
		return "child process"
	}
	return "in this process (its CPU is in the sender's)"
}

func cpuText(s float64) string {
	if s < 0 {
		return "in the sender's"
	}
	return fmt.Sprintf("%.1fs", s)
}

// phase is what one timed part of the benchmark did.
type phase struct {
	sent int
	took time.Duration
	cpu  float64 // seconds of this process
	rss  float64 // peak, MB
	sink sinkStats
}

func (p phase) rate() float64  { return float64(p.sent) / p.took.Seconds() }
func (p phase) avgKB() float64 { return float64(p.sink.Bytes) / float64(max(p.sink.Count, 1)) / 1000 }

// measure runs fn and records its time, this process's CPU and the sink's counters.
func measure(sink benchSink, fn func() (int, error)) (phase, error) {
	before, err := sink.Stats()
	if err != nil {
		return phase{}, err
	}
	cpu0, t0 := cpuSeconds(), time.Now()
	sent, err := fn()
	p := phase{sent: sent, took: time.Since(t0), cpu: cpuSeconds() - cpu0, rss: peakRSSMB()}
	if err != nil {
		return p, err
	}
	after, err := sink.Stats()
	p.sink = after.sub(before)
	return p, err
}

func (o benchDigestOptions) digestRun(ctx context.Context, w *digest.Worker, sink benchSink) (phase, error) {
	if o.profile != "" {
		stop, err := startProfile(o.profile)
		if err != nil {
			return phase{}, err
		}
		defer stop()
	}
	return measure(sink, func() (int, error) {
		res, err := w.Run(ctx, "daily", time.Now().Truncate(time.Minute))
		if err != nil {
			return res.This.Sent, err
		}
		if !res.Complete {
			return res.This.Sent, fmt.Errorf("digest run %d did not complete: %+v", res.Run.ID, res.Run.RunCounts)
		}
		return res.This.Sent, nil
	})
}

// baselineRun sends, as many times as the run sent digests, one real digest
// cut or padded to the average size the run sent.
func (o benchDigestOptions) baselineRun(ctx context.Context, w *digest.Worker, sink benchSink, d phase) (phase, error) {
	now := time.Now()
	window, err := w.Store.DigestArticles(ctx, now.Add(-benchSince), now)
	if err != nil || len(window) == 0 {
		return phase{}, fmt.Errorf("baseline sample: %d articles, %v", len(window), err)
	}
	listed := window[:min(len(window), digest.Cap)]
	sub := store.Subscriber{ID: 1, Email: "reader@bench.example.org", Frequency: "daily", Locale: "fr"}
	m, err := w.Compose.Digest(sub, listed, len(window)-len(listed), now)
	var raw bytes.Buffer
	if err == nil {
		_, err = m.WriteTo(&raw)
	}
	if err != nil {
		return phase{}, fmt.Errorf("baseline sample: %w", err)
	}
	msg := sizedLike(raw.Bytes(), int(d.sink.Bytes/d.sink.Count))
	return measure(sink, func() (int, error) {
		_, err := blast(ctx, sink.URL(), msg, d.sent, o.workers)
		return d.sent, err
	})
}

// benchWorker is a digest worker as `caravan digest send` builds it, sending to smtpURL.
func benchWorker(st *store.Store, smtpURL string, workers int) (*digest.Worker, mailer.Sender, error) {
	tpl, err := templates.Load()
	if err != nil {
		return nil, nil, err
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.UTC
	}
	comp, err := digest.NewComposer("Asie centrale <newsletter@bench.example.org>", "https://news.bench.example.org/newsletter",
		"Asie centrale", "", paris, store.NewSigner("bench secret", st.Now), tpl)
	if err != nil {
		return nil, nil, err
	}
	snd, err := mailer.NewSMTP(mailer.Config{SMTPURL: smtpURL, Workers: workers, HELO: "localhost"})
	if err != nil {
		return nil, nil, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return &digest.Worker{Store: st, Sender: snd, Compose: comp, Workers: workers, Log: log}, snd, nil
}

// resetPeakRSS makes the kernel forget this process's peak resident set, so
// that the next reading covers the run, not the seeding (Linux only).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
