package mailer

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// tlsMode says how an SMTP connection is encrypted.
type tlsMode string

const (
	tlsStartTLS tlsMode = "starttls" // plain connect, then mandatory STARTTLS
	tlsImplicit tlsMode = "tls"      // TLS from the first byte (SMTPS)
	tlsNone     tlsMode = "none"     // never encrypted
)

// target is a parsed SMTP URL.
type target struct {
	host string
	port int
	tls  tlsMode
	user string
	pass string
}

// addr is host:port, with brackets around an IPv6 host.
func (t target) addr() string {
	return net.JoinHostPort(t.host, strconv.Itoa(t.port))
}

// urlError prefixes a message with the name of the setting the URL comes from, so
// that an operator sees at once which variable to fix.
func urlError(format string, args ...any) error {
	return fmt.Errorf("CARAVAN_SMTP_URL (--smtp-url): "+format, args...)
}

// parseURL reads smtp://user:pass@host:port?tls=starttls|tls|none. Errors never
// repeat the URL, which may hold a password.
func parseURL(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// *url.Error quotes the whole input, password included: keep only the reason.
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err
		}
		return target{}, urlError("not a valid URL: %v", err)
	}
	switch {
	case !strings.Contains(raw, "://"):
		return target{}, urlError("missing scheme (want smtp://host:port)")
	case u.Scheme != "smtp":
		return target{}, urlError("scheme %q not supported (want smtp://)", u.Scheme)
	}
	if u.Hostname() == "" {
		return target{}, urlError("missing host (want smtp://host:port)")
	}
	if u.Path != "" && u.Path != "/" {
		return target{}, urlError("unexpected path %q", u.Path)
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return target{}, urlError("bad query: %v", err)
	}
	for key := range query {
		if key != "tls" {
			return target{}, urlError("unknown parameter %q (want tls)", key)
		}
	}

	t := target{host: u.Hostname(), tls: tlsStartTLS}
	if mode := query.Get("tls"); mode != "" {
		t.tls = tlsMode(mode)
	}
	switch t.tls {
	case tlsStartTLS, tlsNone:
		t.port = 587
	case tlsImplicit:
		t.port = 465
	default:
		return target{}, urlError("unknown tls mode %q (want starttls, tls or none)", t.tls)
	}
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return target{}, urlError("port %q out of range (want 1-65535)", p)
		}
		t.port = port
	}
	if u.User != nil {
		t.user = u.User.Username()
		t.pass, _ = u.User.Password()
		if t.user == "" {
			return target{}, urlError("password given without a user name")
		}
	}
	return t, nil
}
