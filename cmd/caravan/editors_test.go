package main

import (
	"strings"
	"testing"
)

func TestEditorsCommands(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := subscribersCLI(t, dir, "short\n", "editors", "add", "ed@example.org"); err == nil ||
		!strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short password: %v", err)
	}
	if _, _, err := subscribersCLI(t, dir, "", "editors", "add", "ed@example.org"); err == nil || !strings.Contains(err.Error(), "no password") {
		t.Fatalf("no password: %v", err)
	}
	if _, _, err := subscribersCLI(t, dir, "x\n", "editors", "add", "not an address"); err == nil {
		t.Fatal("a bad address was accepted")
	}
	out, _, err := subscribersCLI(t, dir, "correct horse battery\n", "editors", "add", "ed@example.org")
	if err != nil || !strings.Contains(out, "added ed@example.org") {
		t.Fatalf("add: %v %s", err, out)
	}
	if _, _, err := subscribersCLI(t, dir, "correct horse battery\n", "editors", "add", "ED@example.org"); err == nil ||
		!strings.Contains(err.Error(), "has an account already") {
		t.Fatalf("second add: %v", err)
	}
	out, _, err = subscribersCLI(t, dir, "", "editors", "list")
	if err != nil || !strings.Contains(out, "ed@example.org\tadded ") || !strings.Contains(out, "never signed in") {
		t.Fatalf("list: %v %q", err, out)
	}
	if out, _, err = subscribersCLI(t, dir, "", "editors", "remove", "ed@example.org"); err != nil {
		t.Fatalf("remove: %v %s", err, out)
	}
	if _, _, err := subscribersCLI(t, dir, "", "editors", "remove", "ed@example.org"); err == nil {
		t.Fatal("removing a removed editor succeeded")
	}
	if out, _, _ := subscribersCLI(t, dir, "", "editors", "list"); !strings.Contains(out, "no editors yet") {
		t.Fatalf("list after remove: %q", out)
	}
}
