package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/mail"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caravan-news/caravan/mailer/smtpsink"
	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// digestBed is a database of active subscribers owed a daily digest, and an
// SMTP server to send it to, for tests that run `caravan digest send` as a
// process and stop it in the middle.
type digestBed struct {
	db      string
	sink    *smtpsink.Sink
	env     map[string]string
	emails  []string
	workers int
}

// newDigestBed seeds n confirmed daily subscribers, then articles that arrive
// after them (one regional, so that every one of them is owed a digest), and
// starts a sink that takes delay over each message, so that a run lasts long
// enough to be interrupted.
func newDigestBed(t *testing.T, n, workers int, delay time.Duration) *digestBed {
	t.Helper()
	dir := t.TempDir()
	b := &digestBed{db: storetest.DSN(t), workers: workers}
	ctx := context.Background()
	st := openDBStore(t, b.db)
	codes := []string{"", "kg", "kz uz", "tj", "tm kg", "uz"}
	var csv strings.Builder
	csv.WriteString("email,countries,frequency,locale\n")
	for i := range n {
		email := fmt.Sprintf("reader%05d@crash.example.org", i)
		b.emails = append(b.emails, email)
		locale := "fr"
		if i%3 == 0 {
			locale = "en"
		}
		fmt.Fprintf(&csv, "%s,%s,daily,%s\n", email, codes[i%len(codes)], locale)
	}
	rep, err := st.ImportCSV(ctx, strings.NewReader(csv.String()), store.ImportOptions{Confirmed: true, Source: "crash test"}, nil)
	if err != nil || rep.Imported != n {
		t.Fatalf("seed: %+v %v", rep, err)
	}
	time.Sleep(5 * time.Millisecond) // the articles arrive after the subscribers' digest_since
	articles := []store.ArticleInput{{URL: "https://news.example.org/region/1", Title: "Asie centrale : le point de la semaine",
		Summary: "Ce qui a changé dans la région."}}
	for i, code := range store.Countries {
		articles = append(articles, store.ArticleInput{URL: fmt.Sprintf("https://news.example.org/%s/%d", code, i),
			Title: "Nouvelles du pays " + code, Summary: "Résumé.", Countries: []string{code}})
	}
	if _, _, err := st.UpsertArticles(ctx, 0, articles); err != nil {
		t.Fatal(err)
	}
	st.Close()
	time.Sleep(5 * time.Millisecond) // and a run's cutoff comes after them

	b.sink, err = smtpsink.Start("127.0.0.1:0", smtpsink.Options{Fault: func(step smtpsink.Step, _ string) error {
		if step == smtpsink.StepData {
			time.Sleep(delay)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.sink.Close() })
	b.env = map[string]string{
		"CARAVAN_DATABASE":     b.db,
		"CARAVAN_SMTP_URL":     b.sink.URL(),
		"CARAVAN_SEND_WORKERS": fmt.Sprint(workers),
		"CARAVAN_SECRET":       "crash-test-secret-0123456789abcdef",
		"CARAVAN_ADMIN_TOKEN":  "crash-test-admin-token-0123456789abcdef",
		"CARAVAN_BASE_URL":     "https://caravan.news.example.org",
		"CARAVAN_FROM":         "Asie centrale <newsletter@news.example.org>",
		// A slot that stays the same however long the test takes: every start names the same run.
		"CARAVAN_DAILY_AT": "0 0 1 1 *",
		"CARAVAN_OUTBOX":   filepath.Join(dir, "outbox"),
	}
	return b
}

// send starts `caravan digest send --frequency daily`.
func (b *digestBed) send(t *testing.T) *proc {
	t.Helper()
	return startBinary(t, b.env, "digest", "send", "--frequency", "daily")
}

// waitSent waits until the sink has accepted at least n messages in all, or p ended.
func (b *digestBed) waitSent(p *proc, n int64) {
	deadline := time.Now().Add(30 * time.Second)
	for b.sink.Count() < n && !p.exited() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// ledgerSent counts the digests the ledger records as sent.
func (b *digestBed) ledgerSent(t *testing.T) int64 {
	t.Helper()
	db := storetest.DB(t, b.db)
	var n int64
	if err := db.QueryRow(`SELECT count(*) FROM deliveries WHERE status = 'sent'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// finish runs the digest to its end, then once more, which must find it done.
func (b *digestBed) finish(t *testing.T) {
	t.Helper()
	p := b.send(t)
	if err := p.wait(t, time.Minute); err != nil || !strings.Contains(p.out.String(), " sent, ") {
		t.Fatalf("last run: %v\n%s", err, p.out)
	}
	again := b.send(t)
	if err := again.wait(t, time.Minute); err != nil || !strings.Contains(again.out.String(), "was sent already") {
		t.Fatalf("run after the end: %v\n%s", err, again.out)
	}
}

// verify checks what the SMTP server received against the subscribers and the
// ledger: everyone got a digest, none got more than 1+extra, Message-IDs are
// unique, and the ledger records for each subscriber one of the Message-IDs
// their server accepted. It returns the messages and the duplicates seen.
func (b *digestBed) verify(t *testing.T, maxDuplicates int) (messages, duplicates int) {
	t.Helper()
	byRcpt := map[string][]string{}
	seenID := map[string]bool{}
	msgs := b.sink.Messages()
	for _, m := range msgs {
		if len(m.To) != 1 {
			t.Fatalf("a digest to %d recipients: %v", len(m.To), m.To)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		id := strings.Trim(msg.Header.Get("Message-ID"), "<>")
		if id == "" || seenID[id] {
			t.Fatalf("Message-ID %q missing or used twice", id)
		}
		seenID[id] = true
		if to := strings.Trim(msg.Header.Get("To"), "<>"); to != m.To[0] {
			t.Fatalf("envelope to %s, header To %s", m.To[0], to)
		}
		byRcpt[m.To[0]] = append(byRcpt[m.To[0]], id)
	}
	var missing []string
	for _, e := range b.emails {
		switch n := len(byRcpt[e]); {
		case n == 0:
			missing = append(missing, e)
		case n > 1:
			duplicates += n - 1
		}
	}
	if len(byRcpt) != len(b.emails) {
		t.Errorf("%d recipients, want %d", len(byRcpt), len(b.emails))
	}
	if len(missing) > 0 {
		t.Errorf("%d subscribers got no digest, such as %v", len(missing), missing[:min(5, len(missing))])
	}
	if duplicates > maxDuplicates {
		t.Errorf("%d duplicate digests, the bound is %d", duplicates, maxDuplicates)
	}

	// The ledger: one sent entry per subscriber, naming a message their server accepted.
	db := storetest.DB(t, b.db)
	rows, err := db.Query(`SELECT s.email, d.status, d.message_id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	entries := 0
	for rows.Next() {
		var email, status, id string
		if err := rows.Scan(&email, &status, &id); err != nil {
			t.Fatal(err)
		}
		entries++
		id = strings.Trim(id, "<>")
		if status != store.DeliverySent || !contains(byRcpt[email], id) {
			t.Errorf("ledger: %s %s %q, received %v", email, status, id, byRcpt[email])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if entries != len(b.emails) {
		t.Errorf("ledger has %d entries, want %d", entries, len(b.emails))
	}
	st := openDBStore(t, b.db)
	defer st.Close()
	runs, err := st.Runs(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	n := len(b.emails)
	if want := (store.RunCounts{Selected: n, Sent: n}); len(runs) != 1 || runs[0].Status != store.RunDone || runs[0].RunCounts != want {
		t.Errorf("runs = %+v, want one done with %+v", runs, want)
	}
	return len(msgs), duplicates
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// crashSize is the list the crash tests send to; -short makes it smaller.
func crashSize() int {
	if testing.Short() {
		return 600
	}
	return 3000
}

// TestDigestSendSurvivesSIGKILL kills `caravan digest send` at random moments
// of a run (during start-up, and after a random number of messages) and
// restarts it at once each time, without waiting for any lease: each restart
// sees that the process holding the run is gone and takes over. At the SMTP
// server everyone got their digest, with no more duplicates than the
// documented bound: one message in flight per sending goroutine per kill.
func TestDigestSendSurvivesSIGKILL(t *testing.T) {
	survivesSIGKILL(t)
}

// TestDigestSendSurvivesSIGKILLOnPostgres is the same on PostgreSQL, where a
// restart joins the shared run and frees at once the claims of the process
// killed.
func TestDigestSendSurvivesSIGKILLOnPostgres(t *testing.T) {
	storetest.PostgresURL(t) // skips without a server
	t.Setenv(storetest.EnvBackend, "postgres")
	survivesSIGKILL(t)
}

func survivesSIGKILL(t *testing.T) {
	const workers, rounds = 4, 8
	n := crashSize()
	b := newDigestBed(t, n, workers, time.Millisecond)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 42))
	t.Logf("random seed %d", seed)
	kills := 0
	for round := range rounds {
		before := b.sink.Count()
		p := b.send(t)
		if round == 0 {
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond) // during start-up, maybe before any message
		} else {
			b.waitSent(p, before+1+int64(rng.IntN(n/8)))
			time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		}
		p.signal(syscall.SIGKILL)
		p.wait(t, 30*time.Second)
		if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			kills++
		}
		if strings.Contains(p.out.String(), "another live process") {
			t.Fatalf("round %d: the restart did not take over from the process killed:\n%s", round, p.out)
		}
		t.Logf("round %d: %d messages, then killed", round, b.sink.Count()-before)
	}
	b.finish(t)
	messages, duplicates := b.verify(t, workers*kills)
	t.Logf("SIGKILL: %d kills survived with immediate restarts, %d messages checked for %d subscribers, "+
		"%d duplicates (bound %d)", kills, messages, n, duplicates, workers*kills)
	if kills < rounds-1 {
		t.Errorf("only %d of %d kills landed while the run was going", kills, rounds)
	}
}

// TestDigestSendSIGTERMLosesNothing stops `caravan digest send` with SIGTERM
// mid-run several times: each stop finishes the messages in flight and
// records them, so the ledger always matches the server and the end result
// has no duplicate at all.
func TestDigestSendSIGTERMLosesNothing(t *testing.T) {
	const workers, rounds = 4, 3
	n := crashSize()
	b := newDigestBed(t, n, workers, time.Millisecond)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("random seed %d", seed)
	stops := 0
	for round := range rounds {
		before := b.sink.Count()
		p := b.send(t)
		b.waitSent(p, before+1+int64(rng.IntN(n/4)))
		stopped := p.signal(syscall.SIGTERM)
		err := p.wait(t, 30*time.Second)
		if stopped && err != nil {
			stops++
			if !strings.Contains(p.out.String(), "Interrupted: run the same command again") {
				t.Errorf("round %d: exit %v without saying how to resume:\n%s", round, err, p.out)
			}
		}
		if got, sent := b.ledgerSent(t), b.sink.Count(); got != sent {
			t.Fatalf("round %d: the server accepted %d digests, the ledger records %d", round, sent, got)
		}
		t.Logf("round %d: %d messages, then SIGTERM", round, b.sink.Count()-before)
	}
	b.finish(t)
	messages, duplicates := b.verify(t, 0)
	t.Logf("SIGTERM: %d clean stops, %d messages checked for %d subscribers, %d duplicates", stops, messages, n, duplicates)
	if stops < rounds-1 {
		t.Errorf("only %d of %d stops landed while the run was going", stops, rounds)
	}
}
