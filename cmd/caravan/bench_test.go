package main

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The benchmarks run in CI at a tiny N, as smoke tests: they must complete and
// count right. Their speed is never asserted here.

func TestBenchDigestCountsEveryDigestOnce(t *testing.T) {
	for _, sink := range []string{"inprocess", "process"} {
		t.Run(sink, func(t *testing.T) {
			if sink == "process" {
				useTestBinaryAsSink(t)
			}
			out := runBench(t, "digest", "-n", "300", "-workers", "4", "-sink", sink)
			daily := intAfter(t, out, `seeded\s+300 subscribers \((\d+) daily`)
			// The command itself fails unless the ledger records every daily
			// subscriber sent and the sink received one message for each, and
			// only one: as many messages, and recipients that add up.
			if sent := intAfter(t, out, `digest\s+(\d+) sent`); sent != daily || daily < 150 {
				t.Errorf("%d sent for %d daily subscribers:\n%s", sent, daily, out)
			}
			if copies := intAfter(t, out, `baseline\s+(\d+) copies`); copies != daily {
				t.Errorf("baseline sent %d messages, want %d:\n%s", copies, daily, out)
			}
			if !strings.Contains(out, "digest rate / baseline rate = ") {
				t.Errorf("no ratio:\n%s", out)
			}
		})
	}
}

func TestBenchScaleRuns(t *testing.T) {
	out := runBench(t, "scale", "-n", "200", "-sink", "inprocess")
	if !regexp.MustCompile(`digest\s+\d+ sent .* peak RSS \d+ MB`).MatchString(out) || strings.Contains(out, "baseline") {
		t.Errorf("scale output:\n%s", out)
	}
}

func TestBenchSignupAcceptsEveryone(t *testing.T) {
	out := runBench(t, "signup", "-n", "300", "-clients", "8")
	if n := intAfter(t, out, `accepted\s+(\d+)`); n != 300 {
		t.Errorf("accepted %d of 300:\n%s", n, out)
	}
}

// runBench runs `caravan bench name args...` and returns what it printed.
func runBench(t *testing.T, name string, args ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("benchmark smoke test: skipped in -short mode")
	}
	var stdout, stderr strings.Builder
	err := run(context.Background(), append([]string{"bench", name}, args...), func(string) string { return "" },
		strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench %s: %v\n%s\n%s", name, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func intAfter(t *testing.T, out, pattern string) int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q in:\n%s", pattern, out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// useTestBinaryAsSink makes the benchmark start its sink process from this
// test binary, which is not caravan: TestBenchSinkProcess plays the part.
func useTestBinaryAsSink(t *testing.T) {
	old := benchSinkCommand
	benchSinkCommand = func(ctx context.Context) *exec.Cmd {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestBenchSinkProcess$")
		cmd.Env = append(os.Environ(), "CARAVAN_TEST_BENCH_SINK=1")
		return cmd
	}
	t.Cleanup(func() { benchSinkCommand = old })
}

// TestBenchSinkProcess is `caravan bench sink` when a test starts this binary
// as the benchmark's sink process; otherwise it does nothing.
func TestBenchSinkProcess(t *testing.T) {
	if os.Getenv("CARAVAN_TEST_BENCH_SINK") != "1" {
		t.Skip("runs only as the sink process of TestBenchDigestCountsEveryDigestOnce")
	}
	err := run(context.Background(), []string{"bench", "sink"}, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}
