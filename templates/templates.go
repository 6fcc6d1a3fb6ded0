// Package templates holds Caravan's pages and e-mails, embedded in the binary and
// parsed once at start-up: html/template for pages and HTML mail, text/template
// for the plain-text part. It imports none of Caravan's other packages.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	texttemplate "text/template"
)

//go:embed pages/*.html mail/*.html mail/*.txt static/* desk/*.html
var files embed.FS

// Static serves the stylesheet and other assets of the pages.
func Static() fs.FS {
	sub, _ := fs.Sub(files, "static")
	return sub
}

// Set is every template, parsed.
type Set struct {
	pages    map[string]*htmltemplate.Template
	mailHTML map[string]*htmltemplate.Template
	mailText map[string]*texttemplate.Template
	desk     map[string]*htmltemplate.Template
}

// Load parses every embedded template; a template that does not parse stops start-up.
func Load() (*Set, error) {
	s := &Set{
		pages:    map[string]*htmltemplate.Template{},
		mailHTML: map[string]*htmltemplate.Template{},
		mailText: map[string]*texttemplate.Template{},
	}
	layout, err := htmltemplate.New("layout.html").Funcs(htmlFuncs).Option("missingkey=error").
		ParseFS(files, "pages/layout.html", "pages/partials.html")
	if err != nil {
		return nil, fmt.Errorf("parse page layout: %w", err)
	}
	names, _ := fs.Glob(files, "pages/*.html")
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := htmltemplate.Must(layout.Clone()).ParseFS(files, name)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", base, err)
		}
		s.pages[strings.TrimSuffix(base, ".html")] = t
	}
	if err := s.loadMail(); err != nil {
		return nil, err
	}
	if err := s.loadDesk(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Set) loadMail() error {
	names, _ := fs.Glob(files, "mail/*.html")
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".html")
		t, err := htmltemplate.New(path.Base(name)).Funcs(htmlFuncs).Option("missingkey=error").ParseFS(files, name)
		if err != nil {
			return fmt.Errorf("parse mail %s: %w", name, err)
		}
		s.mailHTML[base] = t
		txt := "mail/" + base + ".txt"
		tt, err := texttemplate.New(base+".txt").Funcs(textFuncs).Option("missingkey=error").ParseFS(files, txt)
		if err != nil {
			return fmt.Errorf("parse mail %s: %w", txt, err)
		}
		s.mailText[base] = tt
	}
	return nil
}

// Pages lists the names of the page templates.
func (s *Set) Pages() []string { return names(s.pages) }

// Mails lists the names of the mail templates.
func (s *Set) Mails() []string { return names(s.mailHTML) }

// names lists a template set's names, in no particular order.
func names[T any](m map[string]T) []string { return slices.Collect(maps.Keys(m)) }

// renderLayout renders t's "layout" fully before writing it, so that an error
// never leaves half a page; kind and name say what failed.
func renderLayout(w io.Writer, t *htmltemplate.Template, kind, name string, data any) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s %s: %w", kind, name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Page renders the page called name (the file name without .html) into w.
func (s *Set) Page(w io.Writer, name string, data any) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("render page %s: no such template", name)
	}
	return renderLayout(w, t, "page", name, data)
}

// Fragment renders one named template of a page's set, without the layout (the embed snippet).
func (s *Set) Fragment(w io.Writer, page, name string, data any) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("render fragment %s: no such page", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render fragment %s/%s: %w", page, name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Mail renders the plain-text and HTML parts of the mail called name.
func (s *Set) Mail(name string, data any) (text, html string, err error) {
	ht, ok := s.mailHTML[name]
	if !ok {
		return "", "", fmt.Errorf("render mail %s: no such template", name)
	}
	var tb, hb strings.Builder
	if err := s.mailText[name].Execute(&tb, data); err != nil {
		return "", "", fmt.Errorf("render mail %s (text): %w", name, err)
	}
	if err := ht.Execute(&hb, data); err != nil {
		return "", "", fmt.Errorf("render mail %s (html): %w", name, err)
	}
	return tb.String(), hb.String(), nil
}
