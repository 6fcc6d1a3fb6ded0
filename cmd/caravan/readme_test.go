package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readme is the project's README, which the tests hold to what the program does.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeBlock returns the first fenced block after heading.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	s := readme(t)
	i := strings.Index(s, heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q", heading)
	}
	s = s[i:]
	start := strings.Index(s, "```")
	start += strings.Index(s[start:], "\n") + 1
	end := strings.Index(s[start:], "```")
	return s[start : start+end]
}

// TestReadmeListsEveryCommand: the README's command list is what
// `caravan --help` prints, so that it names every command there is.
func TestReadmeListsEveryCommand(t *testing.T) {
	var want []string
	for _, line := range strings.Split(usage(), "\n") {
		if strings.HasPrefix(line, "  caravan ") {
			want = append(want, strings.Join(strings.Fields(line), " "))
		}
	}
	var got []string
	for _, line := range strings.Split(readmeBlock(t, "## Command line"), "\n") {
		if strings.TrimSpace(line) != "" {
			got = append(got, strings.Join(strings.Fields(line), " "))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("README's \"## Command line\" block differs from `caravan --help` (paste its command lines there):\nREADME:\n%s\n\nhelp:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReadmeBackupCommand runs the backup command the README shows, and
// checks the README says where the link secret lives.
func TestReadmeBackupCommand(t *testing.T) {
	block := readmeBlock(t, "## Backups")
	if !strings.Contains(block, "caravan backup ") || !strings.Contains(readme(t), "keeps it in the database") {
		t.Fatalf("README's backup section:\n%s", block)
	}
	dir := t.TempDir()
	file := dir + "/caravan-2026-12-04.db"
	if out, err := cli(t, dir, nil, "backup", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
}

// TestReadmeDKIMCommands runs the README's key and TXT-record commands and
// checks that the record names the key's own public half, and that Caravan
// signs with the key.
func TestReadmeDKIMCommands(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	dir := t.TempDir()
	var script []string
	for _, line := range strings.Split(readmeBlock(t, "### DKIM"), "\n") {
		if strings.HasPrefix(line, "openssl ") || strings.HasPrefix(line, "echo ") {
			script = append(script, line)
		}
	}
	cmd := exec.Command("sh", "-e", "-c", strings.Join(script, "\n"))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil || len(script) != 2 {
		t.Fatalf("%v: %s\n%s", err, out, strings.Join(script, "\n"))
	}
	pemBytes, err := os.ReadFile(filepath.Join(dir, "dkim.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("the README's key is a %T, want RSA", key)
	}
	der, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if want := "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der); strings.TrimSpace(string(out)) != want {
		t.Fatalf("TXT value:\n%s\nwant:\n%s", out, want)
	}
	env := map[string]string{"CARAVAN_DKIM_KEY": filepath.Join(dir, "dkim.pem"), "CARAVAN_DKIM_SELECTOR": "caravan",
		"CARAVAN_DKIM_DOMAIN": "localhost"}
	p := startServe(t, t.TempDir(), env)
	signupForm(t, p.url, "dkim@example.org")
	if eml := waitOutbox(t, p.dir, 1)[0]; !strings.Contains(string(eml), "DKIM-Signature: ") {
		t.Fatalf("no signature:\n%s", eml)
	}
}
