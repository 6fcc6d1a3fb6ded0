package doctor

import (
	"context"
	"net/url"
	"strings"

	"github.com/miekg/dns"
)

// checkMX checks that the From domain can receive mail: replies, and the bounce
// reports some receivers send to From.
func checkMX(ctx context.Context, r *resolver, _ Config, domain string) Result {
	rrs, err := r.lookup(ctx, domain, dns.TypeMX)
	if err != nil {
		return fail("mx", "%v", err)
	}
	var hosts []string
	for _, rr := range rrs {
		if mx := rr.(*dns.MX); mx.Mx != "." {
			hosts = append(hosts, strings.TrimSuffix(mx.Mx, "."))
		}
	}
	if len(hosts) == 0 {
		return fail("mx", "%s receives no mail (no MX): replies to your digests are lost; publish an MX record for it", domain)
	}
	return pass("mx", "%s receives mail at %s", domain, strings.Join(hosts, ", "))
}

// checkBaseURL checks that unsubscribe links are https, which one-click
// unsubscribe (RFC 8058) and the big mailbox providers require.
func checkBaseURL(base string) Result {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fail("https", "CARAVAN_BASE_URL %q is not https: one-click unsubscribe needs an https link; "+
			"serve Caravan behind TLS and set CARAVAN_BASE_URL=https://...", base)
	}
	return pass("https", "unsubscribe links start with %s", u.Scheme+"://"+u.Host)
}
