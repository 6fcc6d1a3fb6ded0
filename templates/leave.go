package templates

// Unsubscribe is the state of the unsubscribe page.
type Unsubscribe struct {
	Done              bool   // unsubscribed: say so, and offer to come back
	Action            string // POST here to unsubscribe
	PreferencesURL    string // change preferences instead; empty when there is no one to change
	ResubscribeAction string // POST here to come back; empty when not possible
}

// Preferences is the state of the preferences form.
type Preferences struct {
	Action            string // POST here to save
	Countries         []string
	Frequency         string
	Language          string
	All               []string          // country codes to offer
	Errors            map[string]string // field → message, already in the page's language
	Saved             bool
	Unsubscribed      bool   // the subscriber left: saving keeps them out; ResubscribeAction brings them back
	ResubscribeAction string // POST here to come back
	UnsubscribeURL    string
}

// ReconsentMail is what the re-consent mail templates receive.
type ReconsentMail struct {
	Locale, SiteName, Accent string
	Logo                     string // absolute URL, or empty (see MailLogo)
	PreferencesURL           string // saving there renews the consent
	UnsubscribeURL           string
	Days                     int // to answer before removal
}
