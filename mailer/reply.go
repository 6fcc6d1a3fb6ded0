package mailer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxReplyLen is the most of a relay's reply an error carries, in bytes.
const maxReplyLen = 1000

// replyError is an SMTP failure whose text, mostly the relay's reply, is fit
// for a log line and a ledger: valid UTF-8 on one line, at most maxReplyLen
// bytes cut on a character boundary. A relay may answer anything (Latin-1,
// a NUL, pages of text); errors.As still reaches the go-mail error beneath.
type replyError struct{ err error }

func (e replyError) Error() string { return cleanReply(e.err.Error()) }
func (e replyError) Unwrap() error { return e.err }

// cleanError wraps err as a replyError; nil stays nil.
func cleanError(err error) error {
	if err == nil {
		return nil
	}
	return replyError{err}
}

// cleanReply drops the bytes of s that are not UTF-8, turns control
// characters (line breaks of a multi-line reply, a NUL) into spaces, and cuts
// the result to maxReplyLen bytes on a character boundary.
func cleanReply(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) <= maxReplyLen {
		return s
	}
	cut := maxReplyLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
