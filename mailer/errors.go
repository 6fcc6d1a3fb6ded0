package mailer

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/wneessen/go-mail"
)

// Failure is what a failed Send means for the recipient and for the run.
type Failure int

// The kinds of failure, from an SMTP server's reply (RFC 5321 codes, RFC 3463 enhanced codes).
const (
	FailNone      Failure = iota // no failure
	FailTemporary                // 4xx, dropped connection, timeout: worth another try
	FailMessage                  // refused for good, about this message only: policy, content, routing, relay (5.7.x, 5.3.x, 5.4.x, ...)
	FailMailbox                  // refused for good, about the mailbox: it does not exist or is disabled (5.1.x, 5.2.1): a hard bounce
	FailAuth                     // the relay refused Caravan's own credentials: nothing will go through until they are fixed
)

// Classify says what err, returned by Send, means. A 5xx reply to RCPT TO, to
// DATA or at the end of the data is permanent: a mailbox error when its
// enhanced status code says so (5.1.x but the sender's own 5.1.7 and 5.1.8,
// and 5.2.1 mailbox disabled; without an enhanced code, 550, 551 and 553),
// and otherwise a refusal of this one message (5.7.1 relay denied or policy,
// 5.7.x content filters, 5.2.2 mailbox full, 5.3.4 too big, 5.4.x routing):
// that fails the message and suppresses nobody. A refused AUTH is FailAuth.
// Anything else is temporary: 4xx replies, dropped connections, timeouts,
// dial and TLS failures, a cancelled ctx, and a 5xx to MAIL FROM, which is
// about Caravan's sender rather than the reader.
func Classify(err error) Failure {
	if err == nil {
		return FailNone
	}
	if isAuthFailure(err) {
		return FailAuth
	}
	se, ok := errors.AsType[*mail.SendError](err)
	if !ok || se.IsTemp() {
		return FailTemporary
	}
	switch se.Reason {
	case mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrSMTPDataClose:
	default:
		return FailTemporary
	}
	code := se.ErrorCode()
	if code < 500 || code > 599 {
		return FailTemporary
	}
	enhanced := se.EnhancedStatusCode()
	if enhanced == "" {
		enhanced = enhancedIn(se.Error())
	}
	if enhanced == "" {
		if code == 550 || code == 551 || code == 553 {
			return FailMailbox
		}
		return FailMessage
	}
	if mailboxError(enhanced) {
		return FailMailbox
	}
	return FailMessage
}

// IsPermanent reports whether the server refused the message for good (a
// mailbox error or a refusal of this message): do not retry it.
func IsPermanent(err error) bool {
	f := Classify(err)
	return f == FailMessage || f == FailMailbox
}

// IsBounce reports whether the server refused the message because the
// mailbox does not exist or is disabled: the address is to be suppressed.
func IsBounce(err error) bool { return Classify(err) == FailMailbox }

// IsMailboxStatus reports whether an RFC 3463 status code (class.subject.detail)
// says the mailbox is gone for good: the one kind of refusal that is a hard
// bounce, whether it comes as a reply to Send or in a bounce report.
func IsMailboxStatus(code string) bool { return mailboxError(code) }

// mailboxError tells whether an RFC 3463 code (class.subject.detail) is about
// the recipient's mailbox itself.
func mailboxError(code string) bool {
	parts := strings.Split(code, ".")
	if len(parts) != 3 || parts[0] != "5" {
		return false
	}
	subject, err1 := strconv.Atoi(parts[1])
	detail, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return false
	}
	switch subject {
	case 1: // addressing: bad mailbox, bad system, bad syntax, ambiguous, moved; 7 and 8 are the sender's
		return detail != 7 && detail != 8
	case 2: // mailbox status: only "disabled, not accepting messages" is for good; full (2.2) is not
		return detail == 1
	}
	return false
}

// enhancedCode finds an RFC 3463 code in a reply's text, for servers that
// give one without announcing ENHANCEDSTATUSCODES.
var enhancedCode = regexp.MustCompile(`\b5\.[0-9]{1,3}\.[0-9]{1,3}\b`)

func enhancedIn(reply string) string { return enhancedCode.FindString(reply) }

// authRefusals are go-mail's errors for a relay that offers no mechanism Caravan may use.
var authRefusals = []error{mail.ErrNoSupportedAuthDiscovered, mail.ErrPlainAuthNotSupported, mail.ErrLoginAuthNotSupported,
	mail.ErrCramMD5AuthNotSupported, mail.ErrSCRAMSHA256AuthNotSupported, mail.ErrSCRAMSHA1AuthNotSupported}

// isAuthFailure tells whether err is the relay refusing to authenticate
// Caravan: a reply to AUTH (535 5.7.8 bad credentials, 534, 538, even 454),
// or no mechanism in common. go-mail says "SMTP AUTH failed" around the reply.
func isAuthFailure(err error) bool {
	if strings.Contains(err.Error(), "SMTP AUTH failed") {
		return true
	}
	for _, r := range authRefusals {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// staleConn reports whether err shows that a reused connection had been closed by the
// server while idle: the very first command of the transaction failed without a reply
// or with 421 (service closing). Nothing was accepted yet, so a redial is safe.
func staleConn(err error) bool {
	se, ok := errors.AsType[*mail.SendError](err)
	if !ok {
		return false
	}
	switch se.Reason {
	case mail.ErrSMTPMailFrom, mail.ErrConnCheck:
		code := se.ErrorCode()
		return code == 0 || code == 421
	default:
		return false
	}
}
