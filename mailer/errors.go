package mailer

import (
	"errors"

	"github.com/wneessen/go-mail"
)

// IsPermanent reports whether the server refused the message for good: a 5xx reply to
// RCPT TO, to DATA or at the end of the data. The address bounced; do not retry.
//
// Any other non-nil error is temporary and worth retrying later: 4xx replies, dropped
// connections, timeouts, dial and TLS failures, and a cancelled ctx. So is a 5xx reply
// to MAIL FROM or AUTH, because it speaks about Caravan's own sender or credentials,
// not about the recipient, and must not mark every subscriber as bounced.
func IsPermanent(err error) bool {
	se, ok := errors.AsType[*mail.SendError](err)
	if !ok || se.IsTemp() {
		return false
	}
	switch se.Reason {
	case mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrSMTPDataClose:
		code := se.ErrorCode()
		return code >= 500 && code <= 599
	default:
		return false
	}
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
	case mail.ErrConnCheck, mail.ErrSMTPMailFrom:
		code := se.ErrorCode()
		return code == 0 || code == 421
	default:
		return false
	}
}
