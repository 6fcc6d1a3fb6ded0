package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/caravan-news/caravan/digest"
	"github.com/caravan-news/caravan/mailer/bounce"
	"github.com/caravan-news/caravan/mailer/webhook"
	"github.com/caravan-news/caravan/templates"
)

// config is Caravan's configuration: flags whose defaults come from CARAVAN_* variables.
type config struct {
	Addr, BaseURL, Database            string
	SMTPURL, Outbox, From              string
	AdminToken, Secret                 string
	Feeds                              []feedEntry
	FeedInterval                       time.Duration
	DailyAt, WeeklyAt                  string
	Timezone                           *time.Location
	SendRate                           float64
	SendWorkers, RateLimit             int
	TrustedProxies, AllowedOrigins     []string
	DKIMKey, DKIMSelector, DKIMDomain  string
	FeedbackID, ReturnPath             string
	BounceMailbox                      string
	MailgunKey, SendGridKey            string
	WebhookURL, WebhookSecret          string
	BouncePoll                         time.Duration
	SiteName, SiteURL, Accent, LogoURL string
	PurgeAfter                         time.Duration
	ReconsentAfter                     time.Duration // 0: the re-consent cycle is off
	DigestLease                        time.Duration
	LogLevel                           slog.Level
	readersConfig
}

// setting is one configuration knob: a flag, its variable and its default.
type setting struct {
	flag, env, def, help string
}

var settings = []setting{
	{"addr", "CARAVAN_ADDR", "127.0.0.1:8080", "listen address"},
	{"base-url", "CARAVAN_BASE_URL", "", "public URL used in links inside e-mails, the root of its host (unset: the one caravan serve last used, else http:// and the listen address)"},
	{"database", "CARAVAN_DATABASE", "caravan.db", "SQLite path; a postgres:// URL selects PostgreSQL"},
	{"smtp-url", "CARAVAN_SMTP_URL", "", "smtp://user:pass@host:port?tls=starttls|tls|none; empty writes .eml files to the outbox"},
	{"outbox", "CARAVAN_OUTBOX", "outbox", "folder for .eml files when no SMTP is set"},
	{"from", "CARAVAN_FROM", "newsletter@localhost", "sender address, with a display name (Name <addr>) or without one: the site name is shown then"},
	{"admin-token", "CARAVAN_ADMIN_TOKEN", "", "bearer token for /api/admin/*, 32 characters or more (unset: generated and printed once; caravan admin token issues a new one)"},
	{"secret", "CARAVAN_SECRET", "", "key for signed links, 32 characters or more (unset: generated once and kept in the database)"},
	{"feeds", "CARAVAN_FEEDS", "", "comma-separated RSS/Atom URLs polled for new articles; lang=URL (fr=https://…) says the language of a feed's articles, else the feed's <language> does"},
	{"feed-interval", "CARAVAN_FEED_INTERVAL", "15m", "how often feeds are polled"},
	{"daily-at", "CARAVAN_DAILY_AT", "0 7 * * *", "cron spec of the daily digest"},
	{"weekly-at", "CARAVAN_WEEKLY_AT", "0 7 * * 1", "cron spec of the weekly digest"},
	{"timezone", "CARAVAN_TIMEZONE", "Europe/Paris", "time zone of the schedules and of dates in e-mails"},
	{"send-rate", "CARAVAN_SEND_RATE", "0", "messages per second ceiling (0: none)"},
	{"send-workers", "CARAVAN_SEND_WORKERS", "4", "parallel SMTP connections"},
	{"digest-lease", "CARAVAN_DIGEST_LEASE", "2m", "how long a digest sender that stopped answering keeps its run (SQLite) or its share of a run (PostgreSQL) before another process takes it over"},
	{"rate-limit", "CARAVAN_RATE_LIMIT", "30", "public POSTs per minute per client IP (0: no limit)"},
	{"trusted-proxies", "CARAVAN_TRUSTED_PROXIES", "", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed"},
	{"allowed-origins", "CARAVAN_ALLOWED_ORIGINS", "", "comma-separated origins (https://example.org) allowed to embed the form"},
	{"dkim-key", "CARAVAN_DKIM_KEY", "", "DKIM private key: PEM text or a path to a PEM file"},
	{"dkim-selector", "CARAVAN_DKIM_SELECTOR", "", "DKIM selector"},
	{"dkim-domain", "CARAVAN_DKIM_DOMAIN", "", "DKIM signing domain"},
	{"feedback-id", "CARAVAN_FEEDBACK_ID", "", "sender id of the Feedback-ID header (signed by DKIM) for mailbox providers' feedback loops; empty: no header"},
	{"return-path", "CARAVAN_RETURN_PATH", "", "envelope sender for VERP, e.g. bounces@example.org: each mail goes out as bounces+<signed id>@example.org"},
	{"bounce-mailbox", "CARAVAN_BOUNCE_MAILBOX", "", "imaps://user:pass@host:993/INBOX polled for bounce reports (RFC 3464) and complaints (RFC 5965)"},
	{"mailgun-signing-key", "CARAVAN_MAILGUN_SIGNING_KEY", "", "Mailgun's HTTP webhook signing key, for POST /api/admin/bounces/mailgun"},
	{"sendgrid-public-key", "CARAVAN_SENDGRID_PUBLIC_KEY", "", "SendGrid's Signed Event Webhook verification key (base64), for POST /api/admin/bounces/sendgrid"},
	{"webhook-url", "CARAVAN_WEBHOOK_URL", "", "where subscriber events are POSTed (Standard Webhooks); empty: none are queued"},
	{"webhook-secret", "CARAVAN_WEBHOOK_SECRET", "", "key of the webhook signatures: whsec_<base64>, or at least 24 characters"},
	{"bounce-poll", "CARAVAN_BOUNCE_POLL", "5m", "how often the bounce mailbox is polled"},
	{"site-name", "CARAVAN_SITE_NAME", "Asie centrale", "site name on pages, in e-mails and their subjects, and the sender's name unless --from gives one"},
	{"site-url", "CARAVAN_SITE_URL", "", "the news site's home page, where a digest's \"and N more\" link leads (unset: the newest article's site)"},
	{"accent", "CARAVAN_ACCENT", "#9b2c1f", "accent colour of pages and e-mails (CSS hex)"},
	{"logo-url", "CARAVAN_LOGO_URL", "", "logo shown on pages and atop e-mails (https URL)"},
	{"purge-pending-after", "CARAVAN_PURGE_PENDING_AFTER", "720h", "delete sign-ups left unconfirmed this long"},
	{"reconsent-after", "CARAVAN_RECONSENT_AFTER", "0", "ask subscribers with no confirmed activity this long (26280h: 3 years) to renew their consent, and remove those who do not answer within 30 days; 0 is off"},
	{"log-level", "CARAVAN_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"archive", "CARAVAN_ARCHIVE", "8760h", "how long past editions stay public at /archive (and \"view in browser\" links work); off turns the archive off"},
	{"alert-categories", "CARAVAN_ALERT_CATEGORIES", "", "comma-separated feed categories that mark an article as breaking news (such as Alerte): digests and the archive flag it"},
}

// parseConfig reads the configuration flags (and any extra ones the command
// registered on fs) from args, with defaults from the environment. A command
// that takes no arguments gets an error for any word left over, so that a
// stray word never hides the flags after it.
func parseConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (*config, error) {
	c, err := parseFlags(fs, args, getenv)
	if err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: caravan %s takes none (caravan %s --help)", fs.Arg(0), fs.Name(), fs.Name())
	}
	return c, nil
}

// parseFlags is parseConfig leaving the arguments after the flags in fs.Args().
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) (*config, error) {
	raw := map[string]*string{}
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		raw[s.flag] = fs.String(s.flag, def, s.help+" ($"+s.env+")")
	}
	if err := parseFlagSet(fs, args); err != nil {
		return nil, err
	}
	return resolve(func(k string) string { return strings.TrimSpace(*raw[k]) })
}

// parseFlagSet parses args, turning --help into the command's help.
func parseFlagSet(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return &helpShown{commandHelp(fs)}
	case err != nil:
		return fmt.Errorf("%w (caravan %s --help lists the flags)", err, fs.Name())
	}
	return nil
}

// optName names a configuration setting both ways, as errors should:
// "--base-url (CARAVAN_BASE_URL)".
func optName(flag string) string {
	for _, s := range settings {
		if s.flag == flag {
			return "--" + flag + " (" + s.env + ")"
		}
	}
	return "--" + flag
}

// minSecretLen is the shortest admin token or link secret accepted: 32
// characters, as many bits as a guesser could ever try and more.
const minSecretLen = 32

func resolve(v func(string) string) (*config, error) {
	c := &config{
		Addr: v("addr"), BaseURL: strings.TrimSuffix(v("base-url"), "/"), Database: v("database"),
		SMTPURL: v("smtp-url"), Outbox: v("outbox"), From: v("from"), AdminToken: v("admin-token"), Secret: v("secret"),
		DailyAt: v("daily-at"), WeeklyAt: v("weekly-at"),
		TrustedProxies: list(v("trusted-proxies")), AllowedOrigins: origins(list(v("allowed-origins"))),
		DKIMKey: v("dkim-key"), DKIMSelector: v("dkim-selector"), DKIMDomain: v("dkim-domain"), FeedbackID: v("feedback-id"),
		ReturnPath: v("return-path"), BounceMailbox: v("bounce-mailbox"),
		MailgunKey: v("mailgun-signing-key"), SendGridKey: v("sendgrid-public-key"),
		WebhookURL: v("webhook-url"), WebhookSecret: v("webhook-secret"),
		SiteName: v("site-name"), SiteURL: v("site-url"), Accent: v("accent"), LogoURL: v("logo-url"),
	}
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", optName(name), err)) }
	var err error
	var feedErrs []error
	c.Feeds, feedErrs = parseFeeds(v("feeds"))
	for _, err := range feedErrs {
		bad("feeds", err)
	}
	if c.Timezone, err = time.LoadLocation(v("timezone")); err != nil {
		bad("timezone", err)
	}
	if c.SendRate, err = strconv.ParseFloat(v("send-rate"), 64); err != nil || c.SendRate < 0 {
		bad("send-rate", errors.New("want a number of messages per second, 0 or more"))
	}
	if c.SendWorkers, err = strconv.Atoi(v("send-workers")); err != nil || c.SendWorkers < 1 || c.SendWorkers > 64 {
		bad("send-workers", errors.New("want a whole number from 1 to 64"))
	}
	if c.RateLimit, err = strconv.Atoi(v("rate-limit")); err != nil || c.RateLimit < 0 {
		bad("rate-limit", errors.New("want a whole number of requests per minute, 0 or more"))
	}
	if c.FeedInterval, err = time.ParseDuration(v("feed-interval")); err != nil || c.FeedInterval < time.Minute {
		bad("feed-interval", errors.New("want a duration of at least 1m, such as 15m"))
	}
	if c.DigestLease, err = time.ParseDuration(v("digest-lease")); err != nil || c.DigestLease < digest.MinLease {
		bad("digest-lease", fmt.Errorf("want a duration of at least %s (five heartbeats), such as 2m", digest.MinLease))
	}
	if c.PurgeAfter, err = time.ParseDuration(v("purge-pending-after")); err != nil || c.PurgeAfter < time.Hour {
		bad("purge-pending-after", errors.New("want a duration of at least 1h, such as 720h"))
	}
	if c.ReconsentAfter, err = time.ParseDuration(v("reconsent-after")); err != nil || (c.ReconsentAfter != 0 && c.ReconsentAfter < 24*time.Hour) {
		bad("reconsent-after", errors.New("want 0 (off) or a duration of at least 24h, such as 26280h (3 years)"))
	}
	c.readersConfig, errs = resolveReaders(v, errs)
	if err := c.LogLevel.UnmarshalText([]byte(v("log-level"))); err != nil {
		bad("log-level", err)
	}
	if c.Database == "" {
		bad("database", errors.New("want a SQLite file path or a postgres:// URL"))
	}
	if c.BaseURL != "" {
		if err := checkBaseURL(c.BaseURL); err != nil {
			bad("base-url", err)
		}
	}
	if u, err := url.Parse(c.SiteURL); c.SiteURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		bad("site-url", errors.New("want an absolute http(s) URL such as https://www.example.org/"))
	}
	for _, k := range []struct{ name, v string }{{"admin-token", c.AdminToken}, {"secret", c.Secret}} {
		if n := utf8.RuneCountInString(k.v); k.v != "" && n < minSecretLen {
			bad(k.name, fmt.Errorf("too short to be safe (%d characters): use %d or more, "+
				"for example the output of `openssl rand -hex 32`, or leave it unset to have one generated", n, minSecretLen))
		}
	}
	// Both reach mail headers (From, List-Id): a line break there is a mistake at best.
	for _, f := range []struct{ name, v string }{{"site-name", c.SiteName}, {"from", c.From}} {
		if strings.ContainsFunc(f.v, unicode.IsControl) {
			bad(f.name, errors.New("must be one line, without control characters"))
		}
	}
	if c.BouncePoll, err = time.ParseDuration(v("bounce-poll")); err != nil || c.BouncePoll < 10*time.Second {
		bad("bounce-poll", errors.New("want a duration of at least 10s, such as 5m"))
	}
	if c.ReturnPath != "" {
		if a, err := mail.ParseAddress(c.ReturnPath); err != nil || a.Name != "" || a.Address != c.ReturnPath || strings.Contains(a.Address, "+") {
			bad("return-path", errors.New("want a bare address without '+', such as bounces@example.org"))
		}
	}
	if c.BounceMailbox != "" {
		if _, err := bounce.ParseMailbox(c.BounceMailbox); err != nil {
			bad("bounce-mailbox", err)
		}
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("webhook-url", errors.New("want an absolute http(s) URL such as https://crm.example.org/hooks/caravan"))
		}
		if _, err := webhook.ParseSecret(c.WebhookSecret); err != nil {
			bad("webhook-secret", err)
		}
	}
	if c.SendGridKey != "" {
		if _, err := bounce.ParseSendGridKey(c.SendGridKey); err != nil {
			bad("sendgrid-public-key", err)
		}
	}
	if !validFeedbackID(c.FeedbackID) {
		bad("feedback-id", errors.New("want letters, digits, '.', '_' or '-' only (it is the last field of Feedback-ID, after a colon)"))
	}
	if !templates.ValidAccent(c.Accent) {
		bad("accent", fmt.Errorf("%q is not a CSS hex colour such as #9b2c1f", c.Accent))
	}
	for _, o := range c.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("allowed-origins", fmt.Errorf("%q is not an origin such as https://example.org", o))
		}
	}
	for _, f := range []struct{ name, spec string }{{"daily-at", c.DailyAt}, {"weekly-at", c.WeeklyAt}} {
		if _, err := digest.Slot(f.spec, time.UTC, time.Now()); err != nil {
			bad(f.name, fmt.Errorf("want a cron spec such as \"0 7 * * *\" (minute hour day month weekday): %w", err))
		}
	}
	dkim := map[string]string{"dkim-key": c.DKIMKey, "dkim-selector": c.DKIMSelector, "dkim-domain": c.DKIMDomain}
	if c.DKIMKey != "" || c.DKIMSelector != "" || c.DKIMDomain != "" {
		for _, name := range []string{"dkim-key", "dkim-selector", "dkim-domain"} {
			if dkim[name] == "" {
				bad(name, errors.New("missing: DKIM needs the key, the selector and the domain together"))
			}
		}
	}
	if c.DKIMKey != "" && !strings.Contains(c.DKIMKey, "-----BEGIN") {
		pem, err := os.ReadFile(c.DKIMKey)
		if err != nil {
			bad("dkim-key", err)
		}
		c.DKIMKey = string(pem)
	}
	return c, errors.Join(errs...)
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// newFlagSet returns a flag set that returns its errors instead of printing
// them and exiting: parseFlagSet turns --help into the command's help.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// newLogger logs text records to w from level up, with e-mail addresses
// masked from info level up (see redacting).
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(redacting{slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})})
}

// origins drops the trailing slash people paste with an origin.
func origins(in []string) []string {
	for i, o := range in {
		in[i] = strings.TrimSuffix(o, "/")
	}
	return in
}

// checkBaseURL accepts an absolute http(s) URL at the root of its host.
// Pages and forms link from the root (/subscribe, /static/...), so a base
// URL with a path would send readers to pages that are not there.
func checkBaseURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http(s) URL such as https://news.example.org")
	}
	if u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q has a path: Caravan is served from the root of a host; "+
			"give it its own host name such as https://newsletter.example.org", base)
	}
	return nil
}

// derivedBaseURL is the public URL when none is configured: the listen
// address, with loopback and any-address spelled localhost.
func derivedBaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// validFeedbackID reports whether id can be the sender id of a Feedback-ID header:
// a colon would shift the fields and a space or control character break the header.
func validFeedbackID(id string) bool {
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return len(id) <= 64
}
