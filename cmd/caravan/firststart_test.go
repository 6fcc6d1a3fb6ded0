package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var tokenLine = regexp.MustCompile(`[Aa]dmin token \(shown once, keep it\): (\S+)`)

// adminStatus is the status of GET /api/admin/stats with token.
func adminStatus(t *testing.T, base, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/admin/stats", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestAdminTokenShownOnlyByAStartThatListens: a first start that fails (the
// port is taken) shows no token, the corrected start shows one that works,
// and `caravan admin token` replaces it on the running server.
func TestAdminTokenShownOnlyByAStartThatListens(t *testing.T) {
	dir := t.TempDir()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var out, errb syncBuffer
	err = run(context.Background(), []string{"serve"}, testEnv(dir, map[string]string{"CARAVAN_ADDR": taken.Addr().String()}), nil, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "CARAVAN_ADDR") || strings.Contains(out.String(), "token") {
		t.Fatalf("failed start: err %v, stdout:\n%s", err, out.String())
	}

	p := startServe(t, dir, nil)
	m := tokenLine.FindStringSubmatch(p.stdout.String())
	if m == nil || len(m[1]) < minSecretLen || !strings.Contains(p.stdout.String(), "caravan admin token") {
		t.Fatalf("no usable token printed by the start that listens:\n%s", p.stdout)
	}
	if code := adminStatus(t, p.url, m[1]); code != 200 {
		t.Fatalf("printed token: %d", code)
	}

	issued, err := cli(t, dir, nil, "admin", "token")
	n := tokenLine.FindStringSubmatch(issued)
	if err != nil || n == nil || n[1] == m[1] {
		t.Fatalf("admin token: %v\n%s", err, issued)
	}
	if old, fresh := adminStatus(t, p.url, m[1]), adminStatus(t, p.url, n[1]); old != 401 || fresh != 200 {
		t.Fatalf("after caravan admin token: old token %d, new token %d", old, fresh)
	}
	if out, err := cli(t, dir, map[string]string{"CARAVAN_ADMIN_TOKEN": strings.Repeat("k", 40)}, "admin", "token"); err == nil ||
		!strings.Contains(err.Error(), "CARAVAN_ADMIN_TOKEN") {
		t.Fatalf("admin token with the variable set: %v\n%s", err, out)
	}
}

// TestWeakSecretsAreRefused: short values stop the start, naming the
// variable, the flag and a way to make a good one.
func TestWeakSecretsAreRefused(t *testing.T) {
	cases := map[string]map[string]string{
		"CARAVAN_ADMIN_TOKEN": {"CARAVAN_ADMIN_TOKEN": "abc"},
		"CARAVAN_SECRET":      {"CARAVAN_SECRET": "x"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errb syncBuffer
			err := run(context.Background(), []string{"serve"}, testEnv(t.TempDir(), env), nil, &out, &errb)
			flag := "--" + strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, "CARAVAN_")), "_", "-")
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), flag) ||
				!strings.Contains(err.Error(), "openssl rand") || strings.Contains(out.String(), "listening") {
				t.Fatalf("err %v, stdout:\n%s", err, out.String())
			}
		})
	}
	p := startServe(t, t.TempDir(), map[string]string{"CARAVAN_ADMIN_TOKEN": strings.Repeat("a", 32), "CARAVAN_SECRET": strings.Repeat("s", 32)})
	if code := adminStatus(t, p.url, strings.Repeat("a", 32)); code != 200 {
		t.Fatalf("32-character token: %d", code)
	}
}

// TestBaseURLFollowsTheListenAddress: with no CARAVAN_BASE_URL, the links in
// mails point at the address serve listens on, serve says so, and a command
// run afterwards without the variable uses the same public URL.
func TestBaseURLFollowsTheListenAddress(t *testing.T) {
	dir := t.TempDir()
	// A slot long past, so that serve does not catch up on it before the command runs it.
	env := map[string]string{"CARAVAN_DAILY_AT": "0 0 29 2 *"}
	p := startServe(t, dir, env)
	port := p.url[strings.LastIndex(p.url, ":")+1:]
	public := "http://localhost:" + port
	if !strings.Contains(p.stdout.String(), "CARAVAN_BASE_URL is not set: links in e-mails use "+public) {
		t.Fatalf("start does not say where links point:\n%s", p.stdout)
	}
	signupForm(t, p.url, "derived@example.org")
	eml := waitOutbox(t, dir, 1)[0]
	if !bytes.Contains(eml, []byte(public+"/confirm/")) {
		t.Fatalf("confirmation link not on %s:\n%s", public, eml)
	}
	walkConfirm(t, p.url, eml)
	p.stop()

	articles := filepath.Join(dir, "a.json")
	os.WriteFile(articles, []byte(`[{"url":"https://news.example.org/kg/1","title":"Bichkek","countries":["kg"]}]`), 0o644)
	if out, err := cli(t, dir, nil, "articles", "import", articles); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := cli(t, dir, env, "digest", "send", "--frequency", "daily"); err != nil || !strings.Contains(out, "1 sent") {
		t.Fatalf("%v\n%s", err, out)
	}
	digest := waitDigestMail(t, dir)
	if !bytes.Contains(digest, []byte(public+"/unsubscribe/")) {
		t.Fatalf("digest sent by the command does not link to %s:\n%s", public, digest)
	}
}

// waitOutbox waits for n .eml files in dir's outbox and returns them, oldest first.
func waitOutbox(t *testing.T, dir string, n int) [][]byte {
	t.Helper()
	var emls [][]byte
	waitFor(t, "mail in the outbox", func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
		if len(files) < n {
			return false
		}
		emls = emls[:0]
		sortByModTime(files)
		for _, f := range files {
			b, _ := os.ReadFile(f)
			emls = append(emls, b)
		}
		return true
	})
	return emls
}

// waitDigestMail waits for a digest in dir's outbox and returns it.
func waitDigestMail(t *testing.T, dir string) []byte {
	t.Helper()
	var found []byte
	waitFor(t, "a digest in the outbox", func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
		for _, f := range files {
			if b, _ := os.ReadFile(f); bytes.Contains(b, []byte("Message-ID: <digest.")) {
				found = b
				return true
			}
		}
		return false
	})
	return found
}

func sortByModTime(files []string) {
	mod := func(f string) int64 {
		fi, err := os.Stat(f)
		if err != nil {
			return 0
		}
		return fi.ModTime().UnixNano()
	}
	for i := 1; i < len(files); i++ {
		for j := i; j > 0 && mod(files[j]) < mod(files[j-1]); j-- {
			files[j], files[j-1] = files[j-1], files[j]
		}
	}
}
