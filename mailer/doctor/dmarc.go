package doctor

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// checkDMARC finds the DMARC policy that applies to the From domain (its own, or its
// organizational domain's) and checks that DKIM signatures align with it.
func checkDMARC(ctx context.Context, r *resolver, cfg Config, domain string) Result {
	org := orgDomain(domain)
	at := "_dmarc." + domain
	record, err := dmarcRecord(ctx, r, at)
	if err == nil && record == "" && org != domain {
		at = "_dmarc." + org
		record, err = dmarcRecord(ctx, r, at)
	}
	switch {
	case err != nil:
		return fail("dmarc", "%v", err)
	case record == "":
		return fail("dmarc", "no DMARC policy for %s: publish TXT at _dmarc.%s \"v=DMARC1; p=none; rua=mailto:dmarc@%s\"",
			domain, org, org)
	}
	tags := dkimTags(record)
	policy := strings.ToLower(tags["p"])
	if policy != "none" && policy != "quarantine" && policy != "reject" {
		return fail("dmarc", "%s %q has no valid policy: add p=none, p=quarantine or p=reject", at, record)
	}
	if cfg.DKIMDomain == "" {
		return fail("dmarc", "%s has p=%s, but no DKIM domain is set to align with From: set CARAVAN_DKIM_DOMAIN", at, policy)
	}
	dkim := strings.ToLower(strings.TrimSuffix(cfg.DKIMDomain, "."))
	strict := strings.ToLower(tags["adkim"]) == "s"
	if aligned := dkim == domain || (!strict && orgDomain(dkim) == org); !aligned {
		mode := "relaxed alignment"
		if strict {
			mode = "strict alignment, adkim=s"
		}
		return fail("dmarc", "DKIM domain %s does not align with From domain %s (%s): sign with d=%s", dkim, domain, mode, domain)
	}
	say := fmt.Sprintf("%s has p=%s; DKIM domain %s aligns with From", at, policy, dkim)
	if policy == "none" {
		say += " (p=none only monitors: move to quarantine once the reports are clean)"
	}
	return pass("dmarc", "%s", say)
}

// dmarcRecord returns the v=DMARC1 record at name, "" when there is none.
func dmarcRecord(ctx context.Context, r *resolver, name string) (string, error) {
	txts, err := r.txt(ctx, name)
	if err != nil {
		return "", err
	}
	records := withPrefix(txts, "v=DMARC1")
	if len(records) > 1 {
		return "", fmt.Errorf("%s has %d DMARC records, receivers ignore them all: keep one", name, len(records))
	}
	if len(records) == 0 {
		return "", nil
	}
	return records[0], nil
}

// orgDomain is the organizational domain (RFC 7489 3.2): the public suffix plus one label.
func orgDomain(domain string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil {
		return domain
	}
	return org
}
