package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"
)

// cmdBench runs one of the benchmarks that print figures: signup, digest, scale.
func cmdBench(ctx context.Context, env cmdEnv, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: caravan bench signup|digest|scale [flags] (see caravan bench NAME --help)")
	}
	switch args[0] {
	case "signup":
		return benchSignup(ctx, env, args[1:])
	case "start":
		return benchStart(ctx, env, args[1:])
	}
	if fn := benchCommand(args[0]); fn != nil {
		return fn(ctx, env, args[1:])
	}
	return fmt.Errorf("unknown benchmark %q (want signup, digest or scale)", args[0])
}

// latencies summarises request durations.
type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return l[min(len(l)-1, int(float64(len(l))*p))]
}

// cpuSeconds is the user+system CPU time this process has used so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSSMB is the largest resident set of this process so far, in MB, from /proc.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return float64(ru.Maxrss) / 1024
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(v), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

// benchHeader prints what the figures were measured on.
func benchHeader(env cmdEnv, name string) {
	fmt.Fprintf(env.stdout, "caravan bench %s: %s, %d CPUs, GOMAXPROCS %d, %s\n", name, runtime.Version(),
		runtime.NumCPU(), runtime.GOMAXPROCS(0), time.Now().Format(time.RFC3339))
}

// benchCommand returns the benchmarks that live in their own files (digest, scale), or nil.
func benchCommand(name string) command {
	switch name {
	case "digest":
		return benchDigest
	case "scale":
		return benchScale
	case "sink":
		return cmdBenchSink
	}
	return nil
}

// startProfile writes a CPU profile to path until the returned function is called.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
