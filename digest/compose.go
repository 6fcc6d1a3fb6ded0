// Package digest decides who gets what, renders it, hands it to the mailer and
// records it: the scheduled digests and the one-off mails of the outbox
// (confirmations). It knows nothing of HTTP.
package digest

import (
	"crypto/rand"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// ConfirmTTL is how long a confirmation link stays valid.
const ConfirmTTL = 7 * 24 * time.Hour

// Composer builds Caravan's messages: headers every mail carries, signed links, templates.
type Composer struct {
	From     *mail.Address // sender
	BaseURL  string        // public URL, for links
	SiteURL  string        // the news site, for "and N more"; empty: the newest article's site
	SiteName string
	LogoURL  string // shown atop every mail when it is an absolute URL or a path on Caravan
	Accent   string
	Location *time.Location // dates in mails
	Links    *store.Signer
	Tpl      *templates.Set
	// FeedbackID is the sender id of the Feedback-ID header that mailbox
	// providers' feedback loops group complaints by; empty: no header.
	FeedbackID string
	// ReturnPath turns on VERP: each mail's envelope sender is
	// local+<signed subscriber id>@domain of it, where bounces come back.
	ReturnPath string
	// The readers' side (see archive.go, view.go, alerts.go): the public
	// archive's address, empty when it is off; how long "view in browser"
	// links work (default DefaultViewTTL); the daily cap of alerts per reader.
	ArchiveURL   string
	ViewTTL      time.Duration
	AlertsPerDay int
	domain       string // of the sender: Message-IDs and List-Id are on it
}

// NewComposer checks the sender address and returns a Composer.
func NewComposer(from, baseURL, siteName, accent string, loc *time.Location, links *store.Signer, tpl *templates.Set) (*Composer, error) {
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %w", from, err)
	}
	domain := addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]
	if accent == "" {
		accent = "#9b2c1f"
	}
	return &Composer{From: addr, BaseURL: strings.TrimSuffix(baseURL, "/"), SiteName: siteName, Accent: accent,
		Location: loc, Links: links, Tpl: tpl, domain: domain}, nil
}

// ConfirmURL is the double opt-in link of subscriber id.
func (c *Composer) ConfirmURL(id int64) string {
	return c.BaseURL + "/confirm/" + c.Links.Make(store.PurposeConfirm, id, ConfirmTTL)
}

// SignupURL is the double opt-in link of signup id.
func (c *Composer) SignupURL(id int64) string {
	return c.BaseURL + "/confirm/" + c.Links.Make(store.PurposeSignup, id, ConfirmTTL)
}

// signupRecipient is the subscriber a signup's mails address: the spelling
// typed and the language chosen in that signup.
func signupRecipient(p store.PendingSignup) store.Subscriber {
	return store.Subscriber{ID: p.SubscriberID, Email: p.Email, Locale: p.Locale, Frequency: p.Frequency, Countries: p.Countries}
}

// UnsubscribeURL is the never-expiring one-click unsubscribe link of subscriber id.
func (c *Composer) UnsubscribeURL(id int64) string {
	return c.BaseURL + "/unsubscribe/" + c.Links.Make(store.PurposeUnsubscribe, id, 0)
}

// PreferencesURL is the link to subscriber id's preferences page.
func (c *Composer) PreferencesURL(id int64) string {
	return c.BaseURL + "/preferences/" + c.Links.Make(store.PurposePreferences, id, 0)
}

// MessageID returns a new globally unique Message-ID on the sender's domain, without brackets.
func (c *Composer) MessageID(kind string) string {
	return fmt.Sprintf("%s.%s@%s", kind, strings.ToLower(rand.Text()), c.domain)
}

// ListID is the List-Id of the newsletter (RFC 2919).
func (c *Composer) ListID() string {
	return fmt.Sprintf("%s <newsletter.%s>", c.SiteName, c.domain)
}

// newMsg starts a message to sub with the headers every Caravan mail carries.
func (c *Composer) newMsg(sub store.Subscriber, subject, kind string, now time.Time) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithEncoding(gomail.EncodingQP), gomail.WithCharset(gomail.CharsetUTF8))
	m.FromMailAddress(c.From)
	if err := m.To(sub.Email); err != nil {
		return nil, fmt.Errorf("recipient of subscriber %d: %w", sub.ID, err)
	}
	m.Subject(subject)
	m.SetDateWithValue(now)
	m.SetMessageIDWithValue(c.MessageID(kind))
	m.SetGenHeader("List-Id", c.ListID())
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	if c.FeedbackID != "" {
		m.SetGenHeader("Feedback-ID", c.feedbackID(kind, sub))
	}
	if c.ReturnPath != "" {
		if err := m.EnvelopeFrom(c.Links.VERPAddress(c.ReturnPath, sub.ID)); err != nil {
			return nil, fmt.Errorf("envelope sender of subscriber %d: %w", sub.ID, err)
		}
	}
	return m, nil
}

// logo is the URL of the logo mails show, or "".
func (c *Composer) logo() string { return templates.MailLogo(c.LogoURL, c.BaseURL) }

// feedbackID is the Feedback-ID of a kind of mail to sub: campaign, frequency,
// language and sender id, the last field being the sender's (Gmail's format). The
// mailer's DKIM signature covers it, so that no one can pin complaints on others.
func (c *Composer) feedbackID(kind string, sub store.Subscriber) string {
	return kind + ":" + sub.Frequency + ":" + sub.Locale + ":" + c.FeedbackID
}

// setUnsubscribe adds List-Unsubscribe and, RFC 8058's one-click, List-Unsubscribe-Post.
// go-mail insists on https for the one-click header pair; a development base URL
// on plain http still gets both headers, written by hand.
func (c *Composer) setUnsubscribe(m *gomail.Msg, id int64) error {
	return c.setUnsubscribeURL(m, c.UnsubscribeURL(id))
}

func (c *Composer) setUnsubscribeURL(m *gomail.Msg, u string) error {
	if strings.HasPrefix(u, "https://") {
		return m.SetListUnsubscribeOneClick(u)
	}
	m.SetListUnsubscribe(u)
	m.SetListUnsubscribePost()
	return nil
}

// setBody sets the plain-text part first, then the HTML alternative.
func setBody(m *gomail.Msg, text, html string) {
	m.SetBodyString(gomail.TypeTextPlain, text)
	m.AddAlternativeString(gomail.TypeTextHTML, html)
}

// confirmMail is what the confirmation templates receive.
type confirmMail struct {
	Locale, SiteName, Logo, Accent, ConfirmURL string
}

// Confirm builds the double opt-in mail for sub, in their language.
func (c *Composer) Confirm(sub store.Subscriber, now time.Time) (*gomail.Msg, error) {
	return c.confirm(sub, c.ConfirmURL(sub.ID), now)
}

// ConfirmSignup builds the double opt-in mail of signup p: to the spelling
// typed, in the language chosen, with a link that confirms that signup.
func (c *Composer) ConfirmSignup(p store.PendingSignup, now time.Time) (*gomail.Msg, error) {
	return c.confirm(signupRecipient(p), c.SignupURL(p.ID), now)
}

func (c *Composer) confirm(sub store.Subscriber, link string, now time.Time) (*gomail.Msg, error) {
	data := confirmMail{Locale: sub.Locale, SiteName: c.SiteName, Logo: c.logo(), Accent: c.Accent,
		ConfirmURL: link + "?lang=" + sub.Locale}
	text, html, err := c.Tpl.Mail("confirm", data)
	if err != nil {
		return nil, err
	}
	m, err := c.newMsg(sub, templates.Tf(sub.Locale, "mail.confirm.subject", c.SiteName), "confirm", now)
	if err != nil {
		return nil, err
	}
	setBody(m, text, html)
	return m, nil
}
