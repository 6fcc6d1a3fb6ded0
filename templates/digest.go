package templates

import (
	"fmt"
	htmltemplate "html/template"
	"strings"
	"time"
)

// DigestMail is what the digest templates (mail/digest.html, mail/digest.txt) receive.
type DigestMail struct {
	Locale                         string
	SiteName                       string
	Logo                           string // absolute URL, or empty (see MailLogo)
	Accent                         string
	Subject                        string
	Preheader                      string        // the line inboxes show after the subject
	Date                           time.Time     // of the run, in the readers' time zone
	Count                          string        // "3 nouveaux articles"
	Following                      string        // the reader's countries, or all five, in words
	Frequency                      string        // daily or weekly
	Articles                       []DigestBlock // each rendered once per run by the "article" block
	More                           int           // matching articles not listed
	MoreURL                        string
	PreferencesURL, UnsubscribeURL string
	ArchiveURL                     string // the public archive; empty when it is off
	ViewURL                        string // this digest in the browser; empty for none
}

// DigestArticle is what the "article" block of the digest templates receives.
type DigestArticle struct {
	Locale    string
	Accent    string
	Title     string
	URL       string
	Summary   string   // plain text: the templates escape it like any text
	Countries []string // codes; none means regional news
	Published time.Time
	Alert     bool // breaking news, sent as an alert already to those who chose alerts
}

// DigestBlock is one article rendered in both parts.
type DigestBlock struct {
	Text string
	HTML htmltemplate.HTML // produced by html/template, escaped already
}

// MSOOpen and MSOClose wrap the mail in a fixed-width table that only Outlook
// for Windows sees: its Word engine ignores max-width. html/template strips
// comments from templates, so the conditional comments come from here.
func (DigestMail) MSOOpen() htmltemplate.HTML {
	return `<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->`
}

// MSOClose ends what MSOOpen started.
func (DigestMail) MSOClose() htmltemplate.HTML {
	return `<!--[if mso]></td></tr></table><![endif]-->`
}

// MailBlock renders the template called block, defined in both files of the
// mail called name, as plain text and as HTML: the digest renders each article
// once and pastes it into every mail that lists it.
func (s *Set) MailBlock(name, block string, data any) (DigestBlock, error) {
	ht, ok := s.mailHTML[name]
	if !ok {
		return DigestBlock{}, fmt.Errorf("render mail %s/%s: no such template", name, block)
	}
	var tb, hb strings.Builder
	if err := s.mailText[name].ExecuteTemplate(&tb, block, data); err != nil {
		return DigestBlock{}, fmt.Errorf("render mail %s/%s (text): %w", name, block, err)
	}
	if err := ht.ExecuteTemplate(&hb, block, data); err != nil {
		return DigestBlock{}, fmt.Errorf("render mail %s/%s (html): %w", name, block, err)
	}
	return DigestBlock{Text: tb.String(), HTML: htmltemplate.HTML(hb.String())}, nil
}
