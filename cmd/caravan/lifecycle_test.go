package main

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer/smtpsink"
	"github.com/caravan-news/caravan/store/storetest"
)

// exitCode is the exit code of p, which has ended.
func exitCode(p *proc) int { return p.cmd.ProcessState.ExitCode() }

// A `caravan digest send` that finds the run held by another live process on
// SQLite sends nothing, says who holds it and since when, and exits 3; once
// the holder is done, the same command finds the run sent.
func TestDigestSendHeldByALiveProcessExits3(t *testing.T) {
	if storetest.Postgres() {
		t.Skip("on PostgreSQL a second process joins the run: see TestSharedDigestRunOnPostgres")
	}
	const workers = 2
	b := newDigestBed(t, 300, workers, 10*time.Millisecond)
	holder := b.send(t)
	b.waitSent(holder, 1)
	if holder.exited() {
		t.Fatalf("the first process ended before the second started:\n%s", holder.out)
	}
	other := b.send(t)
	err := other.wait(t, time.Minute)
	out := other.out.String()
	if err == nil || exitCode(other) != exitHeld {
		t.Fatalf("second process: exit %d (%v), want %d:\n%s", exitCode(other), err, exitHeld, out)
	}
	want := fmt.Sprintf("held by pid %d on host", holder.cmd.Process.Pid)
	if !strings.Contains(out, "another live process") || !strings.Contains(out, want) || !strings.Contains(out, " since ") {
		t.Fatalf("second process does not say who holds the run and since when (want %q):\n%s", want, out)
	}
	if err := holder.wait(t, 2*time.Minute); err != nil {
		t.Fatalf("holder: %v\n%s", err, holder.out)
	}
	again := b.send(t)
	if err := again.wait(t, time.Minute); err != nil || !strings.Contains(again.out.String(), "was sent already") {
		t.Fatalf("after the holder: %v\n%s", err, again.out)
	}
	b.verify(t, 0)
}

// A relay that refuses everything for a while: the run finishes with every
// digest failed temporarily and `digest send` exits 4 saying when they are
// retried; run again before then it exits 4 again and sends nothing; once the
// retry is due (the test moves it to now) and the relay is back, the same
// command sends them all and exits 0, and the slot is done.
func TestDigestSendRetriesTemporaryFailures(t *testing.T) {
	const n, workers = 4, 4
	b := newDigestBed(t, n, workers, 0)
	down := true
	b.sink.SetFault(func(step smtpsink.Step, _ string) error {
		if down && step == smtpsink.StepRcpt {
			return errors.New("451 4.3.0 try again later")
		}
		return nil
	})
	first := b.send(t)
	err := first.wait(t, 2*time.Minute)
	if err == nil || exitCode(first) != exitRetry || !strings.Contains(first.out.String(), fmt.Sprintf("%d failed temporarily", n)) ||
		!strings.Contains(first.out.String(), "run the same command again from") {
		t.Fatalf("relay down: exit %d (%v), want %d:\n%s", exitCode(first), err, exitRetry, first.out)
	}
	early := b.send(t)
	if err := early.wait(t, time.Minute); err == nil || exitCode(early) != exitRetry ||
		!strings.Contains(early.out.String(), "they are retried from") || b.sink.Count() != 0 {
		t.Fatalf("before the retry is due: exit %d (%v), %d messages:\n%s", exitCode(early), err, b.sink.Count(), early.out)
	}
	db := storetest.DB(t, b.db)
	if _, err := db.Exec(`UPDATE digest_runs SET retry_at = 0`); err != nil {
		t.Fatal(err)
	}
	b.sink.SetFault(nil)
	retry := b.send(t)
	if err := retry.wait(t, time.Minute); err != nil || !strings.Contains(retry.out.String(), fmt.Sprintf("%d sent", n)) {
		t.Fatalf("retry pass: exit %d (%v):\n%s", exitCode(retry), err, retry.out)
	}
	again := b.send(t)
	if err := again.wait(t, time.Minute); err != nil || !strings.Contains(again.out.String(), "was sent already") {
		t.Fatalf("after the retry: %v\n%s", err, again.out)
	}
	b.verify(t, 0)
}

// TestDigestSendFencesItselfAfterAPause pauses a `caravan digest send`
// (SIGSTOP) for longer than its lease while a second process takes the run
// over (SQLite: once the paused one's heartbeat is stale; PostgreSQL: its
// claims, once they expire) and sends it to its end. Woken (SIGCONT), the
// paused process must send nothing it lost: it fences itself, and the
// duplicates stay within the messages it had in flight when it stopped.
func TestDigestSendFencesItselfAfterAPause(t *testing.T) {
	pausedSender(t)
}

// TestDigestSendFencesItselfAfterAPauseOnPostgres is the same on PostgreSQL.
func TestDigestSendFencesItselfAfterAPauseOnPostgres(t *testing.T) {
	storetest.PostgresURL(t) // skips without a server
	t.Setenv(storetest.EnvBackend, "postgres")
	pausedSender(t)
}

func pausedSender(t *testing.T) {
	const workers = 4
	n := crashSize()
	b := newDigestBed(t, n, workers, time.Millisecond)
	b.env["CARAVAN_DIGEST_LEASE"] = "5s"
	if storetest.Postgres() {
		// A process stopped inside a transaction would hold its row locks for
		// good: the server ends such a session, as production servers should.
		b.env["CARAVAN_DATABASE"] = b.db + "&idle_in_transaction_session_timeout=2000"
	}
	paused := b.send(t)
	b.waitSent(paused, int64(n/10))
	if !paused.signal(syscall.SIGSTOP) {
		t.Fatalf("the process to pause ended first:\n%s", paused.out)
	}
	stoppedAt := b.sink.Count()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		other := b.send(t)
		err := other.wait(t, 2*time.Minute)
		if err == nil {
			break // the other process sent the run to its end
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other process never took the run over: %v\n%s", err, other.out)
		}
		if exitCode(other) != exitHeld {
			// On SQLite the paused process may have stopped inside a write
			// transaction, holding the database's one write lock: let it out
			// of it, and pause it again.
			paused.signal(syscall.SIGCONT)
			time.Sleep(20 * time.Millisecond)
			paused.signal(syscall.SIGSTOP)
			stoppedAt = b.sink.Count()
		}
		time.Sleep(200 * time.Millisecond) // held: the paused process's lease runs out
	}
	byOther := b.sink.Count() - stoppedAt
	paused.signal(syscall.SIGCONT)
	paused.wait(t, time.Minute)
	after := b.sink.Count() - stoppedAt - byOther
	again := b.send(t)
	if err := again.wait(t, time.Minute); err != nil || !strings.Contains(again.out.String(), "was sent already") {
		t.Fatalf("run after the end: %v\n%s", err, again.out)
	}
	_, duplicates := b.verify(t, workers)
	t.Logf("paused after %d messages, the other process sent %d, the paused one %d more once woken: "+
		"%d duplicates (bound %d)", stoppedAt, byOther, after, duplicates, workers)
}
