package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

// TestExtraEditionSendsOnlyWhatIsNew: digest send says which slot it is
// for; --extra is refused until that slot's run is done, then sends an
// extra edition as a run of its own, listing for each reader only what
// their digest of the slot did not, and nothing to a reader with nothing new.
func TestExtraEditionSendsOnlyWhatIsNew(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CARAVAN_DAILY_AT": "0 0 29 2 *"}
	p := startServe(t, dir, env)
	signupForm(t, p.url, "reader@example.org")
	walkConfirm(t, p.url, waitOutbox(t, dir, 1)[0])
	p.stop()
	importArticle := func(url, title string) {
		file := filepath.Join(dir, "a.json")
		os.WriteFile(file, []byte(`{"url":"`+url+`","title":"`+title+`","countries":["kg"]}`), 0o644)
		if out, err := cli(t, dir, env, "articles", "import", file); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	send := func(args ...string) (string, error) {
		return cli(t, dir, env, append([]string{"digest", "send", "--frequency", "daily"}, args...)...)
	}

	importArticle("https://news.example.org/kg/1", "Premier article")
	if out, err := send("--extra"); err == nil || !strings.Contains(err.Error(), "not sent yet") {
		t.Fatalf("--extra before the slot's run: %v\n%s", err, out)
	}
	out, err := send()
	if err != nil || !strings.Contains(out, "Slot: the daily digest of 2") || !strings.Contains(out, `the latest time "0 0 29 2 *" fired`) ||
		!strings.Contains(out, "1 sent") {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := send(); err != nil || !strings.Contains(out, "was sent already") || !strings.Contains(out, "--extra") {
		t.Fatalf("second send: %v\n%s", err, out)
	}
	importArticle("https://news.example.org/kg/2", "Second article")
	if out, err := send("--extra"); err != nil || !strings.Contains(out, "extra daily edition") || !strings.Contains(out, "1 sent") {
		t.Fatalf("--extra: %v\n%s", err, out)
	}
	if out, err := send("--extra"); err != nil || strings.Contains(out, "1 sent") {
		t.Fatalf("--extra with nothing new: %v\n%s", err, out)
	}

	var digests []string
	for _, raw := range waitOutbox(t, dir, 1) {
		if strings.Contains(string(raw), "Message-ID: <digest.") {
			text, _ := mailParts(t, raw)
			digests = append(digests, text)
		}
	}
	if len(digests) != 2 {
		t.Fatalf("%d digests, want 2", len(digests))
	}
	first, second := digests[0], digests[1]
	if strings.Contains(first, "Second article") {
		first, second = second, first
	}
	if !strings.Contains(first, "Premier article") || !strings.Contains(second, "Second article") || strings.Contains(second, "Premier article") {
		t.Fatalf("the extra edition repeats or misses:\nfirst:\n%s\nsecond:\n%s", first, second)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "caravan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.Runs(context.Background(), 10)
	if err != nil || len(runs) < 2 {
		t.Fatalf("runs: %+v %v", runs, err)
	}
}
