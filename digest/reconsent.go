package digest

import (
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// Reconsent builds the mail that asks a long-quiet subscriber whether they still
// want the newsletter. Its link is the preferences page, where saving renews
// their consent; like every list mail it carries the one-click unsubscribe headers.
func (c *Composer) Reconsent(sub store.Subscriber, now time.Time) (*gomail.Msg, error) {
	data := templates.ReconsentMail{Locale: sub.Locale, SiteName: c.SiteName, Logo: c.logo(), Accent: c.Accent,
		PreferencesURL: c.PreferencesURL(sub.ID), UnsubscribeURL: c.UnsubscribeURL(sub.ID),
		Days: int(store.ReconsentGrace / (24 * time.Hour))}
	text, html, err := c.Tpl.Mail("reconsent", data)
	if err != nil {
		return nil, err
	}
	m, err := c.newMsg(sub, templates.Tf(sub.Locale, "mail.reconsent.subject", c.SiteName), "reconsent", now)
	if err != nil {
		return nil, err
	}
	if err := c.setUnsubscribe(m, sub.ID); err != nil {
		return nil, err
	}
	setBody(m, text, html)
	return m, nil
}
