package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

// benchStart measures the cold start of `caravan serve` on an existing
// database: from exec to the first healthy answer of /healthz.
func benchStart(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("bench start")
	runs := fs.Int("runs", 10, "starts to measure")
	if err := parseFlagSet(fs, args); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "caravan-bench-start-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	benchHeader(env, "start")
	var times []time.Duration
	for i := 0; i <= *runs; i++ { // the first start creates the database and is not counted
		d, err := startOnce(ctx, self, dir)
		if err != nil {
			return err
		}
		if i > 0 {
			times = append(times, d)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Fprintf(env.stdout, "cold start to healthy /healthz over %d starts: median %.0fms, min %.0fms, max %.0fms\n",
		len(times), ms(times[len(times)/2]), ms(times[0]), ms(times[len(times)-1]))
	return nil
}

func startOnce(ctx context.Context, self, dir string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, self, "serve", "--addr", addr, "--database", filepath.Join(dir, "caravan.db"),
		"--outbox", filepath.Join(dir, "outbox"), "--log-level", "error")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	client := &http.Client{Timeout: 200 * time.Millisecond}
	for time.Since(start) < 10*time.Second {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("serve did not become healthy in 10s")
}
