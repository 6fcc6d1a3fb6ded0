package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestLogMasksAddressesFromInfoUp(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, slog.LevelDebug).With("owner", "ana@example.org")
	smtpErr := errors.New(`550 "5.1.1 <bob.smith+news@exämple.org>: No such user", affected recipient(s): <bob.smith+news@exämple.org>`)
	log.Info("refused bob@example.org", "err", smtpErr, "to", []string{"cat@example.org"},
		slog.Group("g", "email", "dan@example.org"), "n", 3)
	log.Debug("debug keeps it", "email", "eve@example.org")
	out := buf.String()
	for _, leaked := range []string{"ana@", "bob@", "bob.smith+news@", "cat@", "dan@"} {
		if strings.Contains(out, leaked) {
			t.Errorf("%q in the info log:\n%s", leaked, out)
		}
	}
	for _, kept := range []string{"…@example.org", "…@exämple.org", "No such user", "n=3", "eve@example.org"} {
		if !strings.Contains(out, kept) {
			t.Errorf("%q missing from the log:\n%s", kept, out)
		}
	}
}

// TestLogMasksAddressesTheParserAccepts: a backtick or a combining accent in
// the local part used to leave part of the address in WARN lines.
func TestLogMasksAddressesTheParserAccepts(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, slog.LevelDebug)
	for _, raw := range []string{"john.smith`x@example.org", "e\u0301lodie@example.fr", "ab\u0301c@example.fr",
		"=cmd|'/Ccalc'!A0@example.org", "a{b}c@example.org"} {
		addr, err := store.NormalizeEmail(raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		buf.Reset()
		log.Warn("refused <"+addr+">", "err", errors.New("550 5.1.1 <"+addr+">: no such user"))
		masked := "<…" + addr[strings.LastIndexByte(addr, '@'):] + ">"
		if out := buf.String(); strings.Count(out, masked) != 2 {
			t.Errorf("%q leaks into the log:\n%s", addr, out)
		}
	}
}

// FuzzRedact: no address that NormalizeEmail accepts survives redaction whole,
// whatever surrounds it.
func FuzzRedact(f *testing.F) {
	f.Add("<", "john.smith`x@example.org", ">: no such user")
	f.Add("err=", "e\u0301lodie@example.fr", "")
	f.Add("a@b ", "ana+news@exämple.org", " @x")
	f.Fuzz(func(t *testing.T, before, raw, after string) {
		addr, err := store.NormalizeEmail(raw)
		if err != nil {
			return
		}
		if out := redact(before + addr + after); strings.Contains(out, addr) {
			t.Fatalf("%q survives in %q", addr, out)
		}
	})
}
