package digest

import (
	"context"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// WelcomeArticles is how many of the latest articles a welcome mail lists.
const WelcomeArticles = 5

// Next returns the first time frequency's schedule fires after now; zero
// when the schedule has no spec for it.
func (s Schedule) Next(frequency string, now time.Time) (time.Time, error) {
	spec, err := s.Spec(frequency)
	if err != nil || spec == "" {
		return time.Time{}, err
	}
	sched, err := s.Cron(frequency) // the slots Slot names, daylight saving included
	if err != nil {
		return time.Time{}, err
	}
	return sched.Next(now), nil
}

// Welcome builds the mail a reader gets right after confirming: what they
// will receive and when (rhythm, their schedule in words such as "Chaque jour
// vers 7 h", and next, its next slot), the latest of articles about their
// countries, and their preferences and unsubscribe links.
func (c *Composer) Welcome(sub store.Subscriber, articles []store.Article, rhythm string, next, now time.Time) (*gomail.Msg, error) {
	loc := sub.Locale
	about := templates.T(loc, "mail.welcome.all")
	if len(sub.Countries) > 0 {
		about = names(loc, sub.Countries)
	}
	data := templates.WelcomeMail{Locale: loc, SiteName: c.SiteName, Accent: c.Accent,
		Subject: templates.T(loc, "mail.welcome.subject"),
		What:    templates.Tf(loc, "mail.welcome.what", rhythm, about),
		Next:    next.In(c.location()), ArchiveURL: c.ArchiveURL,
		PreferencesURL: c.PreferencesURL(sub.ID), UnsubscribeURL: c.UnsubscribeURL(sub.ID)}
	if sub.Alerts {
		data.AlertsText = templates.Tf(loc, "mail.welcome.alerts", c.alertsPerDay())
	}
	for _, a := range articles {
		if len(data.Articles) == WelcomeArticles {
			break
		}
		if follows(sub.Countries, a.Countries) {
			data.Articles = append(data.Articles, templates.DigestArticle{Locale: loc, Accent: c.Accent, Title: a.Title,
				URL: a.URL, Countries: a.Countries, Published: a.PublishedAt.In(c.location())})
		}
	}
	text, html, err := c.Tpl.Mail("welcome", data)
	if err != nil {
		return nil, err
	}
	m, err := c.newMsg(sub, data.Subject, "welcome", now)
	if err != nil {
		return nil, err
	}
	if err := c.setUnsubscribe(m, sub.ID); err != nil {
		return nil, err
	}
	setBody(m, text, html)
	return m, nil
}

// Reminder builds the one reminder of a signup left unconfirmed, with a fresh link.
func (c *Composer) Reminder(sub store.Subscriber, now time.Time) (*gomail.Msg, error) {
	return c.reminder(sub, c.ConfirmURL(sub.ID), now)
}

// RemindSignup builds the one reminder of signup p, to the spelling typed.
func (c *Composer) RemindSignup(p store.PendingSignup, now time.Time) (*gomail.Msg, error) {
	return c.reminder(signupRecipient(p), c.SignupURL(p.ID), now)
}

func (c *Composer) reminder(sub store.Subscriber, link string, now time.Time) (*gomail.Msg, error) {
	loc := sub.Locale
	return c.notice(sub, "reminder", now, templates.NoticeMail{
		Subject:    templates.T(loc, "mail.reminder.subject"),
		Paragraphs: []string{templates.Tf(loc, "mail.reminder.body", c.SiteName)},
		Button:     templates.T(loc, "mail.confirm.button"), ButtonURL: link + "?lang=" + loc,
		Notes: []string{templates.T(loc, "mail.reminder.last")},
	})
}

// ManageLink builds the "lost your link?" answer: the reader's preferences link.
func (c *Composer) ManageLink(sub store.Subscriber, now time.Time) (*gomail.Msg, error) {
	loc := sub.Locale
	return c.notice(sub, "manage", now, templates.NoticeMail{
		Subject:    templates.T(loc, "mail.manage.subject"),
		Paragraphs: []string{templates.Tf(loc, "mail.manage.body", c.SiteName)},
		Button:     templates.T(loc, "mail.manage.button"), ButtonURL: c.PreferencesURL(sub.ID),
		Notes:          []string{templates.T(loc, "mail.manage.ignore")},
		UnsubscribeURL: c.UnsubscribeURL(sub.ID),
	})
}

// notice builds a notice mail to sub; with an unsubscribe link it carries the
// one-click unsubscribe headers too.
func (c *Composer) notice(sub store.Subscriber, kind string, now time.Time, data templates.NoticeMail) (*gomail.Msg, error) {
	data.Locale, data.SiteName, data.Accent = sub.Locale, c.SiteName, c.Accent
	text, html, err := c.Tpl.Mail("notice", data)
	if err != nil {
		return nil, err
	}
	m, err := c.newMsg(sub, data.Subject, kind, now)
	if err != nil {
		return nil, err
	}
	if data.UnsubscribeURL != "" {
		if err := c.setUnsubscribeURL(m, data.UnsubscribeURL); err != nil {
			return nil, err
		}
	}
	setBody(m, text, html)
	return m, nil
}

// welcome builds sub's welcome mail with the latest articles and the next slot
// of their digest.
func (o *Outbox) welcome(ctx context.Context, sub store.Subscriber) (*gomail.Msg, error) {
	now := o.Store.Now()
	// Enough of the latest to find a few about any one country.
	latest, err := o.Store.LatestArticles(ctx, 20*WelcomeArticles)
	if err != nil {
		return nil, err
	}
	next, err := o.Schedule.Next(sub.Frequency, now)
	if err != nil {
		return nil, err
	}
	spec, _ := o.Schedule.Spec(sub.Frequency) // the frequency is valid: Next read it
	return o.Compose.Welcome(sub, latest, templates.Schedule(sub.Locale, sub.Frequency, spec), next, now)
}

// alertsPerDay is the daily cap of alerts per reader (default 3).
func (c *Composer) alertsPerDay() int {
	return orDefault(c.AlertsPerDay, 3)
}
