package digest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/mailer/smtpsink"
	"github.com/caravan-news/caravan/store"
)

// relayTimeout is the mailer's timeout in the faulty relay tests: a stalled
// transaction fails after it, and is tried again.
const relayTimeout = 250 * time.Millisecond

// relayWorker is a Worker sending to url with a short timeout and quick retries.
func (e *env) relayWorker(t *testing.T, url string, workers, tries int, backoff time.Duration) *Worker {
	t.Helper()
	snd, err := mailer.NewSMTP(mailer.Config{SMTPURL: url, Workers: workers, Timeout: relayTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snd.Close() })
	return &Worker{Store: e.st, Sender: snd, Compose: e.compose, Workers: workers, Log: slog.New(slog.DiscardHandler),
		Tries: tries, Backoff: backoff}
}

// relayLog counts what a faulty relay saw, per recipient.
type relayLog struct {
	mu    sync.Mutex
	rcpts map[string]int    // RCPT TO attempts
	fate  map[string]string // the fault chosen for the transaction in progress
}

func newRelayLog() *relayLog { return &relayLog{rcpts: map[string]int{}, fate: map[string]string{}} }

func (l *relayLog) attempts(rcpt string) int { l.mu.Lock(); defer l.mu.Unlock(); return l.rcpts[rcpt] }

var (
	relay451 = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	relay550 = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	relay554 = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Rejected for policy reasons"}
)

// faulty is a relay on its worst day. Counting transactions as they reach
// RCPT TO: every third answers 451 at the end of DATA; of the others, one in
// twelve hangs up right after the data (no answer at all) and one in twelve
// stalls at RCPT TO past the client's timeout. gone@ is refused with 550 at
// RCPT TO and reject@ with 554 after the data, always; while down451 is set,
// down@ gets 451 every time.
func faulty(l *relayLog, down451 *atomic.Bool) smtpsink.Fault {
	var txn atomic.Int64
	return func(step smtpsink.Step, rcpt string) error {
		switch step {
		case smtpsink.StepRcpt:
			n := txn.Add(1)
			l.mu.Lock()
			l.rcpts[rcpt]++
			fate := "accept"
			switch {
			case strings.HasPrefix(rcpt, "gone@"):
				fate = "550"
			case strings.HasPrefix(rcpt, "reject@"):
				fate = "554"
			case strings.HasPrefix(rcpt, "down@") && down451.Load():
				fate = "451"
			case n%3 == 0:
				fate = "451"
			case n%12 == 1:
				fate = "drop"
			case n%12 == 5:
				fate = "stall"
			}
			l.fate[rcpt] = fate
			l.mu.Unlock()
			switch fate {
			case "550":
				return relay550
			case "stall":
				time.Sleep(3 * relayTimeout)
				return relay451
			}
			return nil
		default:
			l.mu.Lock()
			fate := l.fate[rcpt]
			l.mu.Unlock()
			switch fate {
			case "451":
				return relay451
			case "554":
				return relay554
			case "drop":
				return smtpsink.ErrDrop
			}
			return nil
		}
	}
}

// articlesIn maps each recipient to the article titles of the digests they
// received, counting each title once per digest.
func articlesIn(t *testing.T, sink *smtpsink.Sink) map[string]map[string]int {
	t.Helper()
	out := map[string]map[string]int{}
	for _, m := range sink.Messages() {
		r := received{To: m.To[0], Raw: string(m.Data)}
		msg, err := mail.ReadMessage(strings.NewReader(r.Raw))
		if err != nil {
			t.Fatal(err)
		}
		r.Msg = msg
		text, _ := parts(t, r)
		if out[r.To] == nil {
			out[r.To] = map[string]int{}
		}
		for _, line := range strings.Split(text, "\n") {
			if title, ok := strings.CutPrefix(strings.TrimSpace(line), "Title "); ok {
				out[r.To][title]++
			}
		}
	}
	return out
}

// ledgerCounts counts a run's outcomes as the ledger records them, subscriber by subscriber.
func ledgerCounts(t *testing.T, st *store.Store, runID int64, emails []string) store.RunCounts {
	t.Helper()
	var c store.RunCounts
	for _, e := range emails {
		rec, err := st.SubscriberRecord(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range rec.Deliveries {
			if d.RunID != runID {
				continue
			}
			c.Selected++
			switch d.Status {
			case store.DeliverySent:
				c.Sent++
			case store.DeliveryEmpty:
				c.SkippedEmpty++
			case store.DeliveryFailedTemp:
				c.FailedTemp++
			case store.DeliveryFailedPerm:
				c.FailedPerm++
			}
		}
	}
	return c
}

// TestRunThroughAFaultyRelay sends two runs through a relay that answers 451
// to a third of the transactions, hangs up after the data, stalls past the
// timeout, and refuses two addresses for good. Whatever the interleaving:
// nobody gets an article twice or misses one once the relay recovers, the
// address refused as a dead mailbox (5.1.1) is bounced and never tried again,
// the one refused for policy (5.7.1) is not, and each run's counts
// are exactly what the server saw.
func TestRunThroughAFaultyRelay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var emails []string
	for i := range 40 {
		emails = append(emails, fmt.Sprintf("r%02d@example.org", i))
	}
	emails = append(emails, "gone@example.org", "reject@example.org", "down@example.org")
	for _, addr := range emails {
		e.subscriber(t, addr, "daily", "en")
	}
	log := newRelayLog()
	var down451 atomic.Bool
	down451.Store(true)
	sink, err := smtpsink.Start("127.0.0.1:0", smtpsink.Options{Fault: faulty(log, &down451)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	w := e.relayWorker(t, sink.URL(), 4, 3, 5*time.Millisecond)

	e.clock.Add(time.Hour)
	e.article(t, "first", e.clock.Now())
	e.clock.Add(time.Hour)
	res, err := w.Run(ctx, "daily", e.clock.Now())
	if err != nil || !res.Complete || res.Run.Status != store.RunDone {
		t.Fatalf("first run: %+v %v", res, err)
	}
	got := articlesIn(t, sink)
	sent := len(got)
	for to, titles := range got {
		if titles["first"] != 1 {
			t.Errorf("%s received %v", to, titles)
		}
	}
	want := store.RunCounts{Selected: len(emails), Sent: sent, FailedPerm: 2, FailedTemp: len(emails) - sent - 2}
	if res.Run.RunCounts != want || res.This != want {
		t.Fatalf("first run counts %+v (this call %+v), the server saw %d digests: want %+v", res.Run.RunCounts, res.This, sent, want)
	}
	if c := ledgerCounts(t, e.st, res.Run.ID, emails); c != want {
		t.Fatalf("first run: ledger %+v, run %+v", c, want)
	}
	if want.FailedTemp < 1 || got["down@example.org"] != nil {
		t.Fatalf("down@ should have failed for now: %d temporary failures, down@ got %v", want.FailedTemp, got["down@example.org"])
	}
	for _, addr := range []string{"gone@example.org", "reject@example.org"} {
		// 5.1.1 is about the mailbox: a bounce. 5.7.1 is a policy refusal of this
		// message: it fails, and the reader stays (RFC 3463).
		want := map[string]string{"gone@example.org": store.StatusBounced, "reject@example.org": store.StatusActive}[addr]
		sub, _ := e.st.SubscriberByEmail(ctx, addr)
		if sup, _ := e.st.IsSuppressed(ctx, addr); sub.Status != want || sup != (want == store.StatusBounced) {
			t.Errorf("%s: %s, suppressed %v; want %s", addr, sub.Status, sup, want)
		}
		if n := log.attempts(addr); n != 1 {
			t.Errorf("%s was tried %d times: a 5xx is never retried", addr, n)
		}
	}
	t.Logf("first run through the faulty relay: %+v", want)

	// The next day the relay is healthy again, but for the bounced address.
	down451.Store(false)
	sink.SetFault(func(step smtpsink.Step, rcpt string) error {
		if step == smtpsink.StepRcpt {
			log.mu.Lock()
			log.rcpts[rcpt]++
			log.mu.Unlock()
		}
		return nil
	})
	e.article(t, "second", e.clock.Now())
	e.clock.Add(24 * time.Hour)
	res, err = w.Run(ctx, "daily", e.clock.Now())
	if want := (store.RunCounts{Selected: len(emails) - 1, Sent: len(emails) - 1}); err != nil || res.Run.RunCounts != want {
		t.Fatalf("second run: %+v %v, want %+v", res.Run.RunCounts, err, want)
	}
	got = articlesIn(t, sink)
	for _, addr := range emails {
		titles := got[addr]
		switch addr {
		case "gone@example.org":
			if len(titles) != 0 || log.attempts(addr) != 1 {
				t.Errorf("%s: bounced, yet received %v after %d attempts", addr, titles, log.attempts(addr))
			}
		default:
			if len(titles) != 2 || titles["first"] != 1 || titles["second"] != 1 {
				t.Errorf("%s: every article exactly once, got %v", addr, titles)
			}
		}
	}
}

// TestRunWhileTheRelayIsDown starts runs while nothing listens at the relay's
// address. Back within the retry window, everyone is sent in the same run;
// down for the whole run, everyone is left for the next one, which sends it all.
func TestRunWhileTheRelayIsDown(t *testing.T) {
	for _, tc := range []struct {
		name   string
		backIn time.Duration // after the run starts; 0: after the run
	}{
		{"back within the retries", 80 * time.Millisecond},
		{"back after the run", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			var emails []string
			for i := range 12 {
				emails = append(emails, fmt.Sprintf("d%02d@example.org", i))
				e.subscriber(t, emails[i], "daily", "fr")
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close() // the relay is down: connections are refused
			var sink *smtpsink.Sink
			start := func() {
				var err error
				for range 50 { // the port may linger a moment
					if sink, err = smtpsink.Start(addr, smtpsink.Options{}); err == nil {
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
				t.Errorf("relay back on %s: %v", addr, err)
			}
			t.Cleanup(func() {
				if sink != nil {
					sink.Close()
				}
			})
			w := e.relayWorker(t, "smtp://"+addr+"?tls=none", 3, 4, 50*time.Millisecond) // waits 50, 100, 200 ms
			e.clock.Add(time.Hour)
			e.article(t, "first", e.clock.Now())
			e.clock.Add(time.Hour)
			var back sync.WaitGroup
			if tc.backIn > 0 {
				back.Go(func() { time.Sleep(tc.backIn); start() })
			}
			res, err := w.Run(ctx, "daily", e.clock.Now())
			back.Wait()
			if err != nil || !res.Complete {
				t.Fatalf("run: %+v %v", res, err)
			}
			n := len(emails)
			if tc.backIn > 0 {
				if want := (store.RunCounts{Selected: n, Sent: n}); res.Run.RunCounts != want || sink.Count() != int64(n) {
					t.Fatalf("counts %+v, %d received; want %+v", res.Run.RunCounts, sink.Count(), want)
				}
				return
			}
			if want := (store.RunCounts{Selected: n, FailedTemp: n}); res.Run.RunCounts != want {
				t.Fatalf("relay down: counts %+v, want %+v", res.Run.RunCounts, want)
			}
			start()
			e.article(t, "second", e.clock.Now())
			e.clock.Add(24 * time.Hour)
			res, err = w.Run(ctx, "daily", e.clock.Now())
			if want := (store.RunCounts{Selected: n, Sent: n}); err != nil || res.Run.RunCounts != want {
				t.Fatalf("next run: %+v %v, want %+v", res.Run.RunCounts, err, want)
			}
			for _, addr := range emails {
				if titles := articlesIn(t, sink)[addr]; len(titles) != 2 || titles["first"] != 1 || titles["second"] != 1 {
					t.Errorf("%s: %v, want both articles in one digest", addr, titles)
				}
			}
			if sink.Count() != int64(n) {
				t.Errorf("%d digests received, want %d", sink.Count(), n)
			}
		})
	}
}
