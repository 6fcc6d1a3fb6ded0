package doctor

import (
	"context"

	"github.com/caravan-news/caravan/mailer"
)

// checkRelay connects to the relay as a send would, with STARTTLS (or TLS) and the
// credentials, and sends nothing.
func checkRelay(ctx context.Context, cfg Config) Result {
	if cfg.SMTPURL == "" {
		return fail("relay", "no relay: mail is written to the outbox folder; set CARAVAN_SMTP_URL=smtp://user:pass@host:587")
	}
	s, err := mailer.NewSMTP(mailer.Config{SMTPURL: cfg.SMTPURL, Timeout: 4 * cfg.Timeout, TLS: cfg.TLS})
	if err != nil {
		return fail("relay", "%v", err)
	}
	defer s.Close()
	relay := s.Relay()
	if relay.TLS == "none" {
		return fail("relay", "%s is reached without encryption (?tls=none): use ?tls=starttls, or ?tls=tls on port 465", relay.Addr)
	}
	// A relay may pause before its greeting (a common anti-spam delay): give it longer than DNS.
	ctx, cancel := context.WithTimeout(ctx, 4*cfg.Timeout)
	defer cancel()
	if err := s.Probe(ctx); err != nil {
		return fail("relay", "%v: check the host, port and credentials of CARAVAN_SMTP_URL", err)
	}
	who := "without credentials"
	if relay.User != "" {
		who = "as " + relay.User
	}
	return pass("relay", "%s accepts a %s session %s", relay.Addr, relay.TLS, who)
}
