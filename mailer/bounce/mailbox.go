package bounce

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Mailbox is a parsed CARAVAN_BOUNCE_MAILBOX: imaps://user:pass@host:993/INBOX.
type Mailbox struct {
	Addr string // host:port
	Host string
	User string
	Pass string
	Name string // the folder polled
}

// ParseMailbox reads imaps://user:pass@host[:port][/folder]; the port defaults
// to 993 and the folder to INBOX. Errors never repeat the URL, which holds a
// password.
func ParseMailbox(raw string) (Mailbox, error) {
	u, err := url.Parse(raw)
	if err != nil {
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err
		}
		return Mailbox{}, fmt.Errorf("bounce mailbox: not a valid URL: %v", err)
	}
	switch u.Scheme {
	case "imaps":
	case "imap", "pop3", "pop3s":
		return Mailbox{}, fmt.Errorf("bounce mailbox: %s:// is not supported: use imaps://user:pass@host:993/INBOX", u.Scheme)
	default:
		return Mailbox{}, errors.New("bounce mailbox: want imaps://user:pass@host:993/INBOX")
	}
	m := Mailbox{Host: u.Hostname(), Name: strings.Trim(u.Path, "/")}
	if m.Host == "" {
		return Mailbox{}, errors.New("bounce mailbox: missing host")
	}
	if u.User == nil || u.User.Username() == "" {
		return Mailbox{}, errors.New("bounce mailbox: missing user (imaps://user:pass@host)")
	}
	m.User = u.User.Username()
	m.Pass, _ = u.User.Password()
	port := u.Port()
	if port == "" {
		port = "993"
	}
	m.Addr = net.JoinHostPort(m.Host, port)
	if m.Name == "" {
		m.Name = "INBOX"
	}
	return m, nil
}
