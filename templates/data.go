package templates

import (
	htmltemplate "html/template"
	"net/url"
)

// Site is how the pages present the newsletter's owner.
type Site struct {
	Name    string // shown in the header and in the consent text
	Accent  string // CSS colour of buttons and links
	LogoURL string // optional
	BaseURL string // where Caravan is reachable, for absolute links
	From    string // the sender, named in the consent text
	Archive bool   // the public archive is on: pages link to it
	// The cron specs of the digests, said in words next to the choice of frequency.
	DailyAt, WeeklyAt string
}

// Schedule says when frequency's digest goes out, in locale's words.
func (s Site) Schedule(locale, frequency string) string {
	spec := s.DailyAt
	if frequency == "weekly" {
		spec = s.WeeklyAt
	}
	return Schedule(locale, frequency, spec)
}

// Page is what every page template receives.
type Page struct {
	Locale string
	Title  string // catalogue key of the page title
	Site   Site
	Data   any
}

// SignupForm is the state of the signup form: the hosted page, the embed, and their errors.
type SignupForm struct {
	Action    string // absolute URL of POST /subscribe
	Email     string
	Countries []string
	Frequency string
	Source    string // page or article the form was on
	ReturnTo  string
	Errors    map[string]string // field → message, already in the page's language
	All       []string          // country codes to offer
	Embed     bool
	Notice    string // message shown above the form (after returning from a signup)
}

// Message is a page that says one thing and may offer one button.
type Message struct {
	Title  string // catalogue key
	Body   string // catalogue key
	Note   string // catalogue key of a smaller second paragraph; may be empty
	Action string // when set, a POST form with Button
	Button string // catalogue key
	Back   bool   // link back to the signup page
}

// LangURL is the address of the signup page in another language that keeps
// the reader's choices so far: countries, source page and return address.
func (f SignupForm) LangURL(lang string) htmltemplate.URL {
	q := url.Values{"lang": {lang}}
	if len(f.Countries) > 0 {
		q["country"] = f.Countries
	}
	if f.Source != "" {
		q.Set("source", f.Source)
	}
	if f.ReturnTo != "" {
		q.Set("return_to", f.ReturnTo)
	}
	return htmltemplate.URL("/?" + q.Encode()) // built from url.Values: safe as a whole
}
