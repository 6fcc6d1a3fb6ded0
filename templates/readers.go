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

// ArchiveList is the state of the archive page: one page of editions.
type ArchiveList struct {
	Editions           []ArchiveEntry
	NewerURL, OlderURL string // empty at either end
	FeedURL            string
}

// ArchiveEntry is one edition in the archive's list.
type ArchiveEntry struct {
	URL       string
	Frequency string // daily or weekly
	Date      time.Time
	Articles  int
}

// EditionPage is one edition: its articles by country, and a country filter.
type EditionPage struct {
	Frequency string
	Date      time.Time
	Groups    []EditionGroup
	All       []string // country codes to filter by
	Country   string   // the filter chosen, "" for all
	Action    string   // GET target of the filter form
	FeedURL   string
	BackURL   string // the list of editions; empty when the archive is off
	Notice    string // catalogue key of a note above the edition
}

// EditionGroup is the articles of an edition about one country ("" for regional news).
type EditionGroup struct {
	Country  string
	Articles []EditionArticle
}

// EditionArticle is one article of a public edition.
type EditionArticle struct {
	Title, URL, Summary string
	Countries           []string
	Published           time.Time
	Alert               bool
}
