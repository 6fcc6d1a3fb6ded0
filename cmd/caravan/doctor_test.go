package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/mailer/doctor/doctortest"
)

// TestDoctorCommand runs `caravan doctor` against a zone served on loopback: every
// DNS check passes, the missing relay fails, and so does the command.
func TestDoctorCommand(t *testing.T) {
	keyPEM, pub := doctortest.Ed25519Key(t)
	zone := fmt.Sprintf(`$ORIGIN example.org.
@             IN MX  10 mx.example.org.
@             IN TXT "v=spf1 include:_spf.example.org -all"
_spf          IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
s1._domainkey IN TXT "v=DKIM1; k=ed25519; p=%s"
_dmarc        IN TXT "v=DMARC1; p=reject"
`, pub)
	env := map[string]string{
		"CARAVAN_FROM": "Asie centrale <newsletter@example.org>", "CARAVAN_BASE_URL": "https://news.example.org",
		"CARAVAN_DKIM_KEY": keyPEM, "CARAVAN_DKIM_SELECTOR": "s1", "CARAVAN_DKIM_DOMAIN": "example.org",
		"CARAVAN_DNS_RESOLVER": doctortest.StartDNS(t, zone),
	}
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"doctor"}, testEnv(t.TempDir(), env), strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "1 of 6 checks failed") {
		t.Fatalf("err = %v, want 1 of 6 failed\n%s", err, stdout.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	checkREADMEDoctor(t, lines)
	for i, want := range []string{"ok    spf", "ok    dkim", "ok    dmarc", "ok    mx", "FAIL  relay  no relay", "ok    https"} {
		if i >= len(lines) || !strings.HasPrefix(lines[i], want) {
			t.Fatalf("line %d: want %q in\n%s", i+1, want, stdout.String())
		}
	}

	// The flag wins over the variable; a resolver that never answers is named.
	silent := doctortest.SilentResolver(t)
	stdout.Reset()
	err = run(context.Background(), []string{"doctor", "--resolver", silent}, testEnv(t.TempDir(), env), strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(stdout.String(), "DNS resolver "+silent+" did not answer") {
		t.Fatalf("err = %v\n%s", err, stdout.String())
	}
}

// checkREADMEDoctor checks that every `caravan doctor` output shown in the README
// has the command's checks, in its order and format.
func checkREADMEDoctor(t *testing.T, lines []string) {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range lines {
		want = append(want, l[:13])
	}
	blocks := strings.Split(string(readme), "$ caravan doctor\n")[1:]
	if len(blocks) == 0 {
		t.Fatal("README shows no caravan doctor output")
	}
	line := regexp.MustCompile(`^(ok  |FAIL)  (\w+) +`)
	for i, b := range blocks {
		shown := strings.Split(b[:strings.Index(b, "```")], "\n")
		for j, w := range want {
			m := line.FindStringSubmatch(shown[j])
			if m == nil || m[2] != strings.Fields(w)[1] {
				t.Errorf("README doctor block %d line %d %q: want the %s check", i+1, j+1, shown[j], strings.Fields(w)[1])
			}
		}
	}
}
