package main

import (
	"context"
	"fmt"

	"github.com/caravan-news/caravan/mailer/doctor"
)

// cmdDoctor checks what mailbox providers check (SPF, DKIM, DMARC, MX, the relay, an
// https base URL) and prints one line per check with what to fix. It fails unless
// every check passes, so that it can gate a deployment.
func cmdDoctor(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet("doctor")
	resolver := fs.String("resolver", env.getenv("CARAVAN_DNS_RESOLVER"),
		"DNS server host:port to ask (default: the first of /etc/resolv.conf) ($CARAVAN_DNS_RESOLVER)")
	cfg, err := parseConfig(fs, args, env.getenv)
	if err != nil {
		return err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = derivedBaseURL(cfg.Addr)
	}
	if *resolver == "" {
		if *resolver, err = doctor.DefaultResolver(); err != nil {
			return fmt.Errorf("doctor: %w: set --resolver", err)
		}
	}
	results := doctor.Run(ctx, doctor.Config{
		From: cfg.From, BaseURL: cfg.BaseURL, SMTPURL: cfg.SMTPURL, Resolver: *resolver,
		DKIMKeyPEM: cfg.DKIMKey, DKIMSelector: cfg.DKIMSelector, DKIMDomain: cfg.DKIMDomain,
	})
	if failed := doctor.Write(env.stdout, results); failed > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed", failed, len(results))
	}
	fmt.Fprintln(env.stdout, "All checks passed.")
	return nil
}
