// Package doctor checks what mailbox providers look at before they accept bulk mail
// (SPF, DKIM, DMARC, MX, an encrypted and authenticated relay, an https unsubscribe
// link) and says, one line per check, what to fix.
//
// It asks a DNS server directly (github.com/miekg/dns) rather than the system's
// resolver, so that a resolver that does not answer is reported within Timeout
// instead of hanging, and so that tests can point it at their own server.
//
// The package imports only the ground floor (mailer).
package doctor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
)

// DefaultTimeout bounds each DNS question and the relay check when Config.Timeout <= 0.
const DefaultTimeout = 3 * time.Second

// Config is what the doctor checks: Caravan's own settings.
type Config struct {
	From     string // the From address, "Name <addr@domain>" or a bare address
	BaseURL  string // the public URL in unsubscribe links
	SMTPURL  string // the relay, as CARAVAN_SMTP_URL
	Resolver string // DNS server host:port

	DKIMKeyPEM, DKIMSelector, DKIMDomain string

	// Timeout bounds each DNS question and the relay check (DefaultTimeout if <= 0).
	Timeout time.Duration
	// TLS, when set, is used to reach the relay; tests trust their own CA with it.
	TLS *tls.Config
}

// Result is the outcome of one check.
type Result struct {
	Check string // "spf", "dkim", ...
	OK    bool
	// Say is one sentence: what was found and, when it failed, what to do.
	Say string
}

// Run performs every check and returns their results in a fixed order. A resolver
// that does not answer fails every DNS check with the same explanation, after
// one Timeout.
func Run(ctx context.Context, cfg Config) []Result {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	var results []Result
	domain, err := fromDomain(cfg.From)
	if err != nil {
		results = append(results, fail("from", "%v: set CARAVAN_FROM to an address on your own domain", err))
	}
	r := &resolver{addr: cfg.Resolver, timeout: cfg.Timeout}
	dnsChecks := []struct {
		name string
		fn   func(context.Context, *resolver, Config, string) Result
	}{
		{"spf", checkSPF}, {"dkim", checkDKIM}, {"dmarc", checkDMARC}, {"mx", checkMX},
	}
	reach := r.reachable(ctx)
	for _, c := range dnsChecks {
		switch {
		case domain == "":
			results = append(results, fail(c.name, "not checked: no valid From address"))
		case reach != nil:
			results = append(results, fail(c.name, "not checked: DNS resolver %s did not answer within %s: "+
				"set --resolver or CARAVAN_DNS_RESOLVER to a working one", cfg.Resolver, cfg.Timeout))
		default:
			res := c.fn(ctx, r, cfg, domain)
			res.Check = c.name
			results = append(results, res)
		}
	}
	results = append(results, checkRelay(ctx, cfg), checkBaseURL(cfg.BaseURL))
	return results
}

// reachable asks the resolver one question any server answers (the root's NS) and
// returns an error only when no answer came.
func (r *resolver) reachable(ctx context.Context) error {
	if r.addr == "" {
		return fmt.Errorf("%w: no resolver configured", errUnreachable)
	}
	_, err := r.lookup(ctx, ".", 2 /* NS */)
	if errors.Is(err, errUnreachable) {
		return err
	}
	return nil
}

// Write prints one line per result and returns how many failed.
func Write(w io.Writer, results []Result) (failed int) {
	for _, r := range results {
		mark := "ok  "
		if !r.OK {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(w, "%s  %-6s %s\n", mark, r.Check, r.Say)
	}
	return failed
}

func pass(check, format string, args ...any) Result {
	return Result{Check: check, OK: true, Say: fmt.Sprintf(format, args...)}
}

func fail(check, format string, args ...any) Result {
	return Result{Check: check, Say: fmt.Sprintf(format, args...)}
}

// fromDomain returns the lower-cased domain of the From address.
func fromDomain(from string) (string, error) {
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return "", fmt.Errorf("From %q is not an address", from)
	}
	at := strings.LastIndexByte(addr.Address, '@')
	domain := strings.ToLower(strings.TrimSuffix(addr.Address[at+1:], "."))
	if domain == "localhost" || !strings.Contains(domain, ".") {
		return "", fmt.Errorf("From domain %q is not a public domain", domain)
	}
	return domain, nil
}
