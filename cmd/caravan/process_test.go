package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

// The tests in crash_test.go and shutdown_test.go run the real caravan binary
// as a separate process, because only a process can be killed with SIGKILL.

// TestMain removes the binary the process tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// caravanBinary builds cmd/caravan once per test process and returns its path.
func caravanBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "caravan-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "caravan")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc is one running caravan process.
type proc struct {
	cmd    *exec.Cmd
	out    *syncBuffer // stdout and stderr together
	done   chan struct{}
	err    error // of Wait, once done is closed
	killed bool
}

// startBinary starts the binary with args, in a clean environment: the
// caller's CARAVAN_* variables are dropped, env's are set.
func startBinary(t *testing.T, env map[string]string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(caravanBinary(t), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CARAVAN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// exited tells whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig unless the process has ended already, and reports whether it did.
func (p *proc) signal(sig syscall.Signal) bool {
	if p.exited() {
		return false
	}
	return p.cmd.Process.Signal(sig) == nil
}

// wait waits for the process to end, at most d.
func (p *proc) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not end within %v:\n%s", strings.Join(p.cmd.Args, " "), d, p.out)
		return nil
	}
}

// openDBStore opens the store of a process test, at dsn.
func openDBStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
