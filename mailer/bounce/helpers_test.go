package bounce

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/store/storetest"
)

// sample reads testdata/name, fills in the VERP address, the recipient and the
// unsubscribe URL, and gives it CRLF line ends as on the wire.
func sample(t *testing.T, name, verp, rcpt, unsub string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("{{VERP}}", verp, "{{RCPT}}", rcpt, "{{UNSUB}}", unsub).Replace(string(b))
	return []byte(strings.ReplaceAll(s, "\n", "\r\n"))
}

// env is a store on a fresh database with confirmed subscribers, and an intake
// for mail sent with VERP to bounces@example.org.
type env struct {
	st     *store.Store
	intake *Intake
	logs   *strings.Builder
}

const returnPath = "bounces@example.org"

func newEnv(t *testing.T) *env {
	t.Helper()
	st := storetest.Open(t)
	logs := &strings.Builder{}
	return &env{st: st, logs: logs, intake: &Intake{Store: st, Links: store.NewSigner("a test secret of more than thirty-two bytes", st.Now),
		ReturnPath: returnPath, Log: slog.New(slog.NewTextHandler(logs, nil))}}
}

// subscriber signs email up and confirms it.
func (e *env) subscriber(t *testing.T, email string) store.Subscriber {
	t.Helper()
	ctx := context.Background()
	res, err := e.st.Subscribe(ctx, store.Signup{Email: email, Frequency: "daily", Locale: "fr", Consent: store.Consent{Method: "form"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := e.st.Confirm(ctx, res.SubscriberID)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// report is sample file as it comes back for mail sent to sub.
func (e *env) report(t *testing.T, file string, sub store.Subscriber) []byte {
	t.Helper()
	links := e.intake.Links
	return sample(t, file, links.VERPAddress(returnPath, sub.ID), sub.Email,
		"https://news.example.org/unsubscribe/"+links.Make(store.PurposeUnsubscribe, sub.ID, 0))
}

// status returns sub's status and soft bounce count now.
func (e *env) status(t *testing.T, sub store.Subscriber) (string, int) {
	t.Helper()
	got, err := e.st.Subscriber(context.Background(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.Status, got.SoftBounces
}
