package main

import (
	"os"
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
