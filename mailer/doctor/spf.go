package doctor

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
)

// maxSPFLookups is RFC 7208 4.6.4's limit on the terms that cost a DNS lookup
// (include, a, mx, ptr, exists, redirect), counted through every include.
const maxSPFLookups = 10

// checkSPF finds the From domain's one SPF record, checks its syntax and counts its
// DNS lookups.
func checkSPF(ctx context.Context, r *resolver, _ Config, domain string) Result {
	record, err := spfRecord(ctx, r, domain)
	switch {
	case err != nil:
		return fail("spf", "%v", err)
	case record == "":
		return fail("spf", "%s has no SPF record: publish TXT \"v=spf1 include:<your relay's SPF domain> -all\"", domain)
	}
	s := &spfWalk{r: r, seen: map[string]bool{domain: true}}
	all, err := s.walk(ctx, domain, record)
	switch {
	case err != nil:
		return fail("spf", "%s SPF %q: %v", domain, record, err)
	case s.lookups > maxSPFLookups:
		return fail("spf", "%s SPF needs %d DNS lookups, more than %d: receivers reject it; replace includes by the ip4:/ip6: ranges they list",
			domain, s.lookups, maxSPFLookups)
	case all == "+":
		return fail("spf", "%s SPF ends with +all, which lets anyone send as you: end it with -all or ~all", domain)
	case all == "":
		return fail("spf", "%s SPF %q has no final all: end it with -all or ~all", domain, record)
	}
	return pass("spf", "%s publishes %q (%d of %d DNS lookups)", domain, record, s.lookups, maxSPFLookups)
}

// spfRecord returns the one v=spf1 TXT record of domain, "" when there is none, and
// an error when there are several (a permanent error for receivers).
func spfRecord(ctx context.Context, r *resolver, domain string) (string, error) {
	txts, err := r.txt(ctx, domain)
	if err != nil {
		return "", err
	}
	records := withPrefix(txts, "v=spf1")
	if len(records) > 1 {
		return "", fmt.Errorf("%s has %d SPF records, receivers reject that: merge them into one", domain, len(records))
	}
	if len(records) == 0 {
		return "", nil
	}
	return records[0], nil
}

// spfWalk counts the DNS lookups of a record and of the records it includes.
type spfWalk struct {
	r       *resolver
	seen    map[string]bool // the domains being walked, to stop loops
	lookups int
}

// walk checks record, the SPF record of domain, and returns the qualifier of its
// final all ("" when it has none; a redirect counts as the redirected record's).
func (s *spfWalk) walk(ctx context.Context, domain, record string) (all string, err error) {
	var redirect string
	for _, term := range strings.Fields(record)[1:] {
		if name, value, ok := strings.Cut(term, "="); ok && !strings.ContainsAny(name, ":/") {
			switch strings.ToLower(name) {
			case "redirect":
				redirect = value
			case "exp":
			default:
				if !validName(name) {
					return "", fmt.Errorf("bad modifier %q", term)
				}
			}
			continue
		}
		q, mech, arg := splitMechanism(term)
		switch mech {
		case "all":
			all = q
		case "include":
			if arg == "" {
				return "", fmt.Errorf("include needs a domain")
			}
			s.lookups++
			if err := s.include(ctx, arg); err != nil {
				return "", err
			}
		case "a", "mx", "ptr", "exists":
			if mech == "exists" && arg == "" {
				return "", fmt.Errorf("exists needs a domain")
			}
			s.lookups++
		case "ip4", "ip6":
			if err := checkIP(mech, arg); err != nil {
				return "", err
			}
		default:
			return "", fmt.Errorf("unknown mechanism %q", term)
		}
	}
	if redirect != "" && all == "" {
		s.lookups++
		return s.follow(ctx, redirect)
	}
	return all, nil
}

// include walks the SPF record of an included domain, which must have one.
func (s *spfWalk) include(ctx context.Context, domain string) error {
	_, err := s.follow(ctx, domain)
	return err
}

// follow walks the record of domain, once.
func (s *spfWalk) follow(ctx context.Context, domain string) (string, error) {
	domain = strings.ToLower(domain)
	if s.seen[domain] {
		return "", fmt.Errorf("%s includes itself (a loop)", domain)
	}
	s.seen[domain] = true
	defer delete(s.seen, domain)
	if strings.Contains(domain, "%{") {
		return "?", nil // a macro: only a receiver can expand it
	}
	record, err := spfRecord(ctx, s.r, domain)
	if err != nil {
		return "", err
	}
	if record == "" {
		return "", fmt.Errorf("included %s has no SPF record", domain)
	}
	all, err := s.walk(ctx, domain, record)
	if err != nil {
		return "", fmt.Errorf("in %s: %w", domain, err)
	}
	return all, nil
}

// splitMechanism splits "-include:example.org" into "-", "include", "example.org";
// the qualifier defaults to "+". A CIDR suffix on a or mx stays in arg.
func splitMechanism(term string) (qualifier, mech, arg string) {
	qualifier = "+"
	if strings.ContainsRune("+-~?", rune(term[0])) {
		qualifier, term = term[:1], term[1:]
	}
	mech, arg, _ = strings.Cut(term, ":")
	if i := strings.IndexByte(mech, '/'); i >= 0 {
		mech = mech[:i]
	}
	return qualifier, strings.ToLower(mech), arg
}

// checkIP checks the address or range of an ip4: or ip6: mechanism.
func checkIP(mech, arg string) error {
	p, err := netip.ParsePrefix(arg)
	if err != nil {
		a, aerr := netip.ParseAddr(arg)
		if aerr != nil {
			return fmt.Errorf("%s:%s is not an address or range", mech, arg)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if (mech == "ip4") != p.Addr().Is4() {
		return fmt.Errorf("%s:%s has the wrong address family", mech, arg)
	}
	return nil
}

// validName reports whether s is a modifier name: ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
func validName(s string) bool {
	for i, c := range s {
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
			return false
		}
	}
	return s != ""
}
