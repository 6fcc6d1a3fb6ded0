package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
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
