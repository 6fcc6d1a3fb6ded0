package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"time"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// benchDigestOptions are the flags of `caravan bench digest` and `caravan bench scale`.
type benchDigestOptions struct {
	n, workers  int
	database    string
	sink        string
	baseline    bool
	cpuProfile  string
	memProfile  string
	seed        uint64
	commandName string
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
	fs := newFlagSet("bench " + name)
	o := benchDigestOptions{commandName: name}
	fs.IntVar(&o.n, "n", n, "active subscribers to seed (about 70 % of them daily: the run sends to those)")
	fs.IntVar(&o.workers, "workers", 8, "SMTP connections, and messages in flight")
	fs.StringVar(&o.database, "database", "", "database to create: a SQLite file, or a postgres:// URL (a new schema there, dropped after); default a temporary SQLite file")
	fs.StringVar(&o.sink, "sink", "process", "where the SMTP sink runs: process (a child `caravan bench sink`, its CPU measured apart) or inprocess")
	fs.BoolVar(&o.baseline, "baseline", baseline, "then send as many copies of one pre-rendered message of the same size with plain SMTP, and print the ratio")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the digest run to this file")
	fs.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile of the digest run to this file")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random subscriber mix")
	if err := parseFlagSet(fs, args); err != nil {
		return err
	}
	if o.n < 1 || o.workers < 1 {
		return errors.New("-n and -workers must be at least 1")
	}
	return o.run(ctx, env)
}

func (o benchDigestOptions) run(ctx context.Context, env cmdEnv) error {
	out := env.stdout
	dsn, drop, err := benchDatabase(ctx, o.database)
	if err != nil {
		return err
	}
	defer drop()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()

	benchHeader(env, o.commandName)
	began := time.Now()
	mix, err := seedBench(ctx, st, o.n, o.seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded     %d subscribers (%d daily, %d French) and %d articles into %s in %.1fs; peak RSS %.0f MB\n",
		o.n, mix.daily, mix.french, benchArticles, benchBackend(st), time.Since(began).Seconds(), peakRSSMB())
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
	fmt.Fprintf(out, "sink       %s %s, %d connections\n", sink.URL(), o.sinkName(), o.workers)

	d, err := o.digestRun(ctx, w, sink)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "digest     %d sent in %.2fs: %.0f digests/s, %.1f MB (%.1f KB each); peak RSS %.0f MB\n",
		d.sent, d.took.Seconds(), d.rate(), float64(d.sink.Bytes)/1e6, d.avgKB(), d.rss)
	d.printCPU(out, "digest")
	// Every daily subscriber must have had exactly one digest: as many sent as
	// there are, and recipients adding up to one message each.
	if d.sink.Count != int64(d.sent) || d.sent != mix.daily || d.sink.RecipientSum != mix.dailySum {
		return fmt.Errorf("the sink received %d messages (recipient sum %x) and the ledger records %d sent, "+
			"for %d daily subscribers (one each: sum %x)", d.sink.Count, d.sink.RecipientSum, d.sent, mix.daily, mix.dailySum)
	}
	if !o.baseline {
		return nil
	}

	b, err := o.baselineRun(ctx, w, sink, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "baseline   %d copies of one %.1f KB message with plain SMTP in %.2fs: %.0f messages/s\n",
		b.sent, b.avgKB(), b.took.Seconds(), b.rate())
	b.printCPU(out, "message")
	fmt.Fprintf(out, "ratio      digest rate / baseline rate = %.2f", d.rate()/b.rate())
	if d.sink.CPU >= 0 && b.sink.CPU >= 0 {
		// On a busy machine the wall-clock rates move with the neighbours' load;
		// the CPU each message costs, sender and sink together, moves less.
		fmt.Fprintf(out, "; by CPU per message, sender and sink = %.2f", (b.cpu+b.sink.CPU)/float64(b.sent)/((d.cpu+d.sink.CPU)/float64(d.sent)))
	}
	fmt.Fprintln(out)
	return nil
}

func (o benchDigestOptions) sinkName() string {
	if o.sink == "process" {
		return "(child process)"
	}
	return "(in this process: its CPU counts as the sender's)"
}

// phase is what one timed part of the benchmark did.
type phase struct {
	sent   int
	took   time.Duration
	cpu    float64 // seconds of this process
	rss    float64 // peak, MB
	sink   sinkStats
	others float64 // CPUs busy with other processes, on average
	steal  float64 // CPUs the hypervisor gave to other machines, on average
}

func (p phase) rate() float64  { return float64(p.sent) / p.took.Seconds() }
func (p phase) avgKB() float64 { return float64(p.sink.Bytes) / float64(max(p.sink.Count, 1)) / 1000 }

func (p phase) printCPU(out io.Writer, unit string) {
	per := func(s float64) float64 { return s / float64(max(p.sent, 1)) * 1e6 }
	sink := "in the sender's"
	if p.sink.CPU >= 0 {
		sink = fmt.Sprintf("%.1fs (%.0f µs/%s)", p.sink.CPU, per(p.sink.CPU), unit)
	}
	fmt.Fprintf(out, "           CPU: sender %.1fs (%.0f µs/%s), sink %s; other processes kept %.1f CPUs busy",
		p.cpu, per(p.cpu), unit, sink, p.others)
	if p.steal >= 0.05 {
		fmt.Fprintf(out, ", steal %.1f CPUs", p.steal)
	}
	fmt.Fprintln(out)
}

// measure runs fn and records its time, this process's CPU, the sink's
// counters, and how busy the rest of the machine was meanwhile.
func measure(sink benchSink, fn func() (int, error)) (phase, error) {
	before, err := sink.Stats()
	if err != nil {
		return phase{}, err
	}
	busy0, steal0 := machineStat()
	cpu0, t0 := cpuSeconds(), time.Now()
	sent, err := fn()
	p := phase{sent: sent, took: time.Since(t0), cpu: cpuSeconds() - cpu0, rss: peakRSSMB()}
	if err != nil {
		return p, err
	}
	after, err := sink.Stats()
	p.sink = after.sub(before)
	busy1, steal1 := machineStat()
	if busy := busy1 - busy0; busy > 0 {
		p.others = max(0, busy-p.cpu-max(p.sink.CPU, 0)) / p.took.Seconds()
		p.steal = (steal1 - steal0) / p.took.Seconds()
	}
	return p, err
}

func (o benchDigestOptions) digestRun(ctx context.Context, w *digest.Worker, sink benchSink) (phase, error) {
	if o.cpuProfile != "" {
		stop, err := startProfile(o.cpuProfile)
		if err != nil {
			return phase{}, err
		}
		defer stop()
	}
	if o.memProfile != "" {
		defer writeMemProfile(o.memProfile)
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
	msg := sizedLike(raw.Bytes(), int(d.sink.Bytes/max(d.sink.Count, 1)))
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
	w := &digest.Worker{Store: st, Sender: snd, Compose: comp, Workers: workers, Log: log}
	if st.Postgres() {
		w.Shared = st // as caravan serve runs it there
	}
	return w, snd, nil
}

// writeMemProfile writes the allocations made so far to path.
func writeMemProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	pprof.Lookup("allocs").WriteTo(f, 0)
}

// resetPeakRSS makes the kernel forget this process's peak resident set, so
// that the next reading covers the run, not the seeding (Linux only).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// machineStat is the CPU time, in seconds, all processes have used since boot,
// and the time stolen by the hypervisor (Linux only; zeros elsewhere): with
// this process's own, it tells how much the neighbours took while a figure
// was measured.
func machineStat() (busy, steal float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	var user, nice, system, idle, iowait, irq, softirq float64
	if _, err := fmt.Sscanf(string(b), "cpu %g %g %g %g %g %g %g %g", &user, &nice, &system, &idle, &iowait, &irq, &softirq, &steal); err != nil {
		return 0, 0
	}
	return (user + nice + system + irq + softirq) / 100, steal / 100 // in USER_HZ ticks
}
