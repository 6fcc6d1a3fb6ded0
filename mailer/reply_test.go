package mailer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
)

func TestCleanReply(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "451 4.3.0 try later", "451 4.3.0 try later"},
		{"latin-1 bytes dropped", "550 5.1.1 bo\xeete inconnue", "550 5.1.1 bote inconnue"},
		{"lines and NUL become spaces", "451-first line\n451 second\x00line", "451-first line 451 second line"},
		{"cut on a character", strings.Repeat("é", maxReplyLen), strings.Repeat("é", maxReplyLen/2)},
		{"cut inside a character moves back", "x" + strings.Repeat("€", maxReplyLen), "x" + strings.Repeat("€", (maxReplyLen-1)/3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanReply(tt.in)
			if got != tt.want || !utf8.ValidString(got) || len(got) > maxReplyLen {
				t.Fatalf("cleanReply(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSMTPErrorQuotesTheReplyCleanly: a relay's reply with bytes that are not
// UTF-8 and pages of text comes back as one bounded, valid line, and the error
// is still classified by its code.
func TestSMTPErrorQuotesTheReplyCleanly(t *testing.T) {
	ts := startServer(t)
	ts.on("full@example.net", rule{rcptErr: &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2},
		Message: "Bo\xeete pleine\x00 " + strings.Repeat("€", 2000)}})
	s := newTestSMTP(t, Config{SMTPURL: plainURL(ts), Workers: 1}, nil)
	err := s.Send(t.Context(), newTestMsg(t, "full@example.net"))
	if err == nil {
		t.Fatal("Send succeeded, want the 552")
	}
	msg := err.Error()
	if !utf8.ValidString(msg) || len(msg) > maxReplyLen || strings.ContainsAny(msg, "\x00\r\n") || !strings.Contains(msg, "pleine") {
		t.Fatalf("error text %q (%d bytes)", msg, len(msg))
	}
	if !IsPermanent(err) {
		t.Fatalf("IsPermanent(%v) = false: the cleaning hid the reply code", err)
	}
}
