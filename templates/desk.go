package templates

import (
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// Desk is what every page of the editors' desk receives.
type Desk struct {
	Locale  string
	Title   string // catalogue key of the page title
	Site    Site
	Editor  string // the signed-in editor's address; empty on the sign-in page
	CSRF    string // the token each form carries
	Nav     string // the section the page belongs to, highlighted in the menu
	Path    string // the page's own path and query, for the language switch
	Notice  string // a message already in the page's language, shown above the content
	Refresh int    // seconds after which the page reloads itself (live progress); 0: never
	Zone    *time.Location
	Nonce   string // allows the page's own script under the Content-Security-Policy
	Data    any
}

// OtherLocale is the desk's other language, offered in the menu.
func (d Desk) OtherLocale() string {
	if d.Locale == "en" {
		return "fr"
	}
	return "en"
}

// LangURL is the page's address in the other language.
func (d Desk) LangURL() htmltemplate.URL {
	p, q, _ := strings.Cut(d.Path, "?")
	var keep []string
	for _, kv := range strings.Split(q, "&") {
		if kv != "" && !strings.HasPrefix(kv, "lang=") {
			keep = append(keep, kv)
		}
	}
	keep = append(keep, "lang="+d.OtherLocale())
	return htmltemplate.URL(p + "?" + strings.Join(keep, "&"))
}

// loadDesk parses the desk's pages, each with the desk's layout.
func (s *Set) loadDesk() error {
	s.desk = map[string]*htmltemplate.Template{}
	layout, err := htmltemplate.New("layout.html").Funcs(htmlFuncs).Funcs(deskFuncs).Option("missingkey=error").
		ParseFS(files, "desk/layout.html", "desk/partials.html")
	if err != nil {
		return fmt.Errorf("parse desk layout: %w", err)
	}
	names, _ := fs.Glob(files, "desk/*.html")
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := htmltemplate.Must(layout.Clone()).ParseFS(files, name)
		if err != nil {
			return fmt.Errorf("parse desk page %s: %w", base, err)
		}
		s.desk[strings.TrimSuffix(base, ".html")] = t
	}
	return nil
}

// DeskPages lists the names of the desk's page templates.
func (s *Set) DeskPages() []string { return names(s.desk) }

// DeskPage renders the desk page called name into w.
func (s *Set) DeskPage(w io.Writer, name string, data Desk) error {
	t, ok := s.desk[name]
	if !ok {
		return fmt.Errorf("render desk page %s: no such template", name)
	}
	return renderLayout(w, t, "desk page", name, data)
}

// deskFuncs are the desk's own template functions.
var deskFuncs = htmltemplate.FuncMap{
	"when":  When,
	"num":   Number,
	"pct":   Percent,
	"join":  strings.Join,
	"split": strings.Fields,
	"add":   func(a, b int) int { return a + b },
	"dict":  dict,
}

// dict builds a map from pairs of arguments, to hand a partial several values.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// When formats an instant for an editor: "27/11/2026 08:05" or "2026-11-27 08:05", in zone.
func When(locale string, zone *time.Location, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if zone == nil {
		zone = time.UTC
	}
	if locale == "en" {
		return t.In(zone).Format("2006-01-02 15:04")
	}
	return t.In(zone).Format("02/01/2006 15:04")
}

// Number writes a count the way readers of locale group digits: "12 345" (narrow no-break space), "12,345".
func Number(locale string, n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if locale != "en" {
		sep = "\u202f"
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Percent writes a ratio as a percentage with two decimals: "0,12 %" or "0.12%".
func Percent(locale string, ratio float64) string {
	s := fmt.Sprintf("%.2f", ratio*100)
	if locale == "en" {
		return s + "%"
	}
	return strings.Replace(s, ".", ",", 1) + "\u00a0%"
}
