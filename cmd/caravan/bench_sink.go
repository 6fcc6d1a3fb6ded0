package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/caravan-news/caravan/mailer/smtpsink"
)

// The digest benchmark sends to an SMTP sink (a real go-smtp server that counts
// and discards). By default the sink runs in a child process, `caravan bench
// sink`, so that the CPU the sender and the sink use are measured apart, as
// they would be on two machines; -sink inprocess runs it as a goroutine.
//
// The child speaks a line protocol on its standard streams: it prints
// "sink URL" once listening, answers each "stats" line with
// "stats COUNT BYTES SESSIONS RECIPIENT_SUM CPU_SECONDS", and exits when its
// input closes.

// cmdBenchSink is `caravan bench sink`: the sink process.
func cmdBenchSink(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("bench sink")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	if err := parseFlagSet(fs, args); err != nil {
		return err
	}
	sink, err := smtpsink.Start(*addr, smtpsink.Options{Discard: true})
	if err != nil {
		return err
	}
	defer sink.Close()
	fmt.Fprintf(env.stdout, "sink %s\n", sink.URL())
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(env.stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if strings.TrimSpace(line) == "stats" {
				fmt.Fprintf(env.stdout, "stats %d %d %d %d %.3f\n", sink.Count(), sink.Bytes(), sink.Sessions(),
					sink.RecipientSum(), cpuSeconds())
			}
		}
	}
}

// sinkStats are a sink's counters at one moment.
type sinkStats struct {
	Count, Bytes, Sessions int64
	RecipientSum           uint64  // see smtpsink.Sink.RecipientSum
	CPU                    float64 // seconds; -1 when the sink shares the sender's process
}

// sub returns the counters gained since before.
func (s sinkStats) sub(before sinkStats) sinkStats {
	d := sinkStats{Count: s.Count - before.Count, Bytes: s.Bytes - before.Bytes, Sessions: s.Sessions - before.Sessions,
		RecipientSum: s.RecipientSum - before.RecipientSum, CPU: -1}
	if s.CPU >= 0 && before.CPU >= 0 {
		d.CPU = s.CPU - before.CPU
	}
	return d
}

// benchSink is the sink the benchmark sends to, in a child process or in this one.
type benchSink interface {
	URL() string
	Stats() (sinkStats, error)
	Close() error
}

// startBenchSink starts the sink: "process" (a child `caravan bench sink`) or "inprocess".
func startBenchSink(ctx context.Context, kind string) (benchSink, error) {
	switch kind {
	case "process":
		return startSinkProcess(ctx, benchSinkCommand(ctx))
	case "inprocess":
		s, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{Discard: true})
		if err != nil {
			return nil, err
		}
		return localSink{s}, nil
	}
	return nil, fmt.Errorf("-sink %q: want process or inprocess", kind)
}

// benchSinkCommand is the command that runs the sink process: this very
// program. Tests replace it, as their binary is not caravan.
var benchSinkCommand = func(ctx context.Context) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.CommandContext(ctx, exe, "bench", "sink")
}

type localSink struct{ *smtpsink.Sink }

func (l localSink) Stats() (sinkStats, error) {
	return sinkStats{Count: l.Count(), Bytes: l.Bytes(), Sessions: l.Sessions(), RecipientSum: l.RecipientSum(), CPU: -1}, nil
}

// sinkProcess is a running `caravan bench sink`.
type sinkProcess struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	url string
	mu  sync.Mutex
}

func startSinkProcess(ctx context.Context, cmd *exec.Cmd) (*sinkProcess, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start sink process: %w", err)
	}
	p := &sinkProcess{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	line, err := p.line()
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("sink process: %w", err)
	}
	url, ok := strings.CutPrefix(line, "sink ")
	if !ok {
		p.Close()
		return nil, fmt.Errorf("sink process said %q", line)
	}
	p.url = url
	return p, nil
}

func (p *sinkProcess) URL() string { return p.url }

func (p *sinkProcess) line() (string, error) {
	if !p.out.Scan() {
		if err := p.out.Err(); err != nil {
			return "", err
		}
		return "", errors.New("sink process exited")
	}
	return p.out.Text(), nil
}

func (p *sinkProcess) Stats() (sinkStats, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.in, "stats\n"); err != nil {
		return sinkStats{}, fmt.Errorf("sink process: %w", err)
	}
	line, err := p.line()
	if err != nil {
		return sinkStats{}, fmt.Errorf("sink process: %w", err)
	}
	var s sinkStats
	if _, err := fmt.Sscanf(line, "stats %d %d %d %d %g", &s.Count, &s.Bytes, &s.Sessions, &s.RecipientSum, &s.CPU); err != nil {
		return sinkStats{}, fmt.Errorf("sink process said %q: %w", line, err)
	}
	return s, nil
}

// Close closes the child's input, which makes it exit, and waits for it.
func (p *sinkProcess) Close() error {
	p.in.Close()
	return p.cmd.Wait()
}
