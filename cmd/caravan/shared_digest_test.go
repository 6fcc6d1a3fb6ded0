package main

import (
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store/storetest"
)

// TestSharedDigestRunOnPostgres runs three `caravan digest send` processes at
// once on one PostgreSQL database, as three servers behind a load balancer
// would at the scheduled time. They share the one run; one is killed with
// SIGKILL midway, and the two others take its claims over once its lease
// expires. At the SMTP server every subscriber has exactly one digest, but
// for at most one resend per sending goroutine of the killed process.
func TestSharedDigestRunOnPostgres(t *testing.T) {
	storetest.PostgresURL(t) // skips without a server
	t.Setenv(storetest.EnvBackend, "postgres")
	const workers = 4
	n := crashSize()
	b := newDigestBed(t, n, workers, time.Millisecond)
	b.env["CARAVAN_DIGEST_LEASE"] = "5s"
	b.env["CARAVAN_LOG_LEVEL"] = "info"
	procs := []*proc{b.send(t), b.send(t), b.send(t)}
	victim, survivors := procs[1], []*proc{procs[0], procs[2]}
	b.waitSent(victim, int64(n/3))
	if !victim.signal(syscall.SIGKILL) {
		t.Fatalf("the process to kill ended first:\n%s", victim.out)
	}
	victim.wait(t, 30*time.Second)
	t.Logf("killed one sender after %d of %d messages", b.sink.Count(), n)

	sentBy := regexp.MustCompile(`msg="digest run stopped".* status=done sent=(\d+)`)
	total := 0
	for i, p := range survivors {
		if err := p.wait(t, 2*time.Minute); err != nil {
			t.Fatalf("survivor %d: %v\n%s", i, err, p.out)
		}
		m := sentBy.FindStringSubmatch(p.out.String())
		if m == nil {
			t.Fatalf("survivor %d did not finish the run:\n%s", i, p.out)
		}
		sent, _ := strconv.Atoi(m[1])
		if sent == 0 {
			t.Errorf("survivor %d sent nothing: the run was not shared\n%s", i, p.out)
		}
		total += sent
	}
	again := b.send(t)
	if err := again.wait(t, time.Minute); err != nil || !strings.Contains(again.out.String(), "was sent already") {
		t.Fatalf("run after the end: %v\n%s", err, again.out)
	}
	messages, duplicates := b.verify(t, workers)
	t.Logf("3 senders, 1 killed: %d messages for %d subscribers, %d by the survivors, %d duplicates (bound %d)",
		messages, n, total, duplicates, workers)
}
