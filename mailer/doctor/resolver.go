package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// errUnreachable marks a resolver that did not answer at all, as opposed to one
// that answered with an error.
var errUnreachable = errors.New("resolver did not answer")

// resolver asks one DNS server, over UDP and over TCP when the answer is truncated.
type resolver struct {
	addr    string
	timeout time.Duration
}

// DefaultResolver returns the first name server of /etc/resolv.conf as host:port,
// or an error when there is none.
func DefaultResolver() (string, error) {
	return resolverFrom("/etc/resolv.conf")
}

func resolverFrom(path string) (string, error) {
	conf, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if len(conf.Servers) == 0 {
		return "", fmt.Errorf("%s names no name server", path)
	}
	return net.JoinHostPort(conf.Servers[0], conf.Port), nil
}

// lookup returns the answers of type qtype for name. A name that does not exist
// or has no such record gives no answers and no error.
func (r *resolver) lookup(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), qtype)
	q.RecursionDesired = true
	q.SetEdns0(4096, false)
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	in, _, err := (&dns.Client{Net: "udp", Timeout: r.timeout}).ExchangeContext(ctx, q, r.addr)
	if err == nil && in.Truncated {
		in, _, err = (&dns.Client{Net: "tcp", Timeout: r.timeout}).ExchangeContext(ctx, q, r.addr)
	}
	if err != nil {
		if _, ok := errors.AsType[net.Error](err); ok || errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: %s in %s (%v)", errUnreachable, r.addr, r.timeout, err)
		}
		return nil, fmt.Errorf("ask %s for %s %s: %w", r.addr, name, dns.TypeToString[qtype], err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return nil, fmt.Errorf("%s answered %s for %s %s", r.addr, dns.RcodeToString[in.Rcode], name, dns.TypeToString[qtype])
	}
	var out []dns.RR
	for _, rr := range in.Answer {
		if rr.Header().Rrtype == qtype {
			out = append(out, rr)
		}
	}
	return out, nil
}

// txt returns the TXT records of name, each one's strings joined as RFC 7208 3.3 says.
func (r *resolver) txt(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.lookup(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rr := range rrs {
		out = append(out, strings.Join(rr.(*dns.TXT).Txt, ""))
	}
	return out, nil
}

// withPrefix returns the records that start with prefix (case-insensitively), such
// as "v=spf1" among a domain's TXT records.
func withPrefix(records []string, prefix string) []string {
	var out []string
	for _, r := range records {
		if len(r) >= len(prefix) && strings.EqualFold(r[:len(prefix)], prefix) &&
			(len(r) == len(prefix) || r[len(prefix)] == ' ' || r[len(prefix)] == ';') {
			out = append(out, r)
		}
	}
	return out
}
