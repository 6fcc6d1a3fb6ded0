package templates

import (
	"fmt"
	"time"
)

// NoticeMail is what the notice templates (mail/notice.html, .txt) receive: a
// short mail that says one thing and offers one link. The reminder and the
// "lost your link" mails are notices.
type NoticeMail struct {
	Locale, SiteName, Accent string
	Subject                  string
	Paragraphs               []string // before the button, in the reader's language
	Button, ButtonURL        string
	Notes                    []string // smaller, after the button
	UnsubscribeURL           string   // empty: the reader is not subscribed yet
}

// WelcomeMail is what the welcome templates receive.
type WelcomeMail struct {
	Locale, SiteName, Accent string
	Subject                  string
	What                     string    // what they will receive, in words
	Next                     time.Time // when the first digest may go out, in the readers' time zone
	AlertsText               string    // when they also chose breaking-news alerts, says so
	Articles                 []DigestArticle
	ArchiveURL               string // empty when the archive is off
	PreferencesURL           string
	UnsubscribeURL           string
}

var weekdaysFR = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}

// DateTime formats a day and hour: "lundi 7 décembre 2026 à 7 h 00", "Monday 7 December 2026 at 7:00".
func DateTime(locale string, t time.Time) string {
	if locale == "en" {
		return t.Format("Monday ") + Date(locale, t) + t.Format(" at 15:04")
	}
	return fmt.Sprintf("%s %s à %d\u00a0h\u00a0%02d", weekdaysFR[t.Weekday()], Date(locale, t), t.Hour(), t.Minute())
}

// Manage is the state of the "lost your link?" form.
type Manage struct {
	Email string
	Error string // about the address, already in the page's language
}
