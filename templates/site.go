package templates

import (
	htmltemplate "html/template"
	"regexp"
	"strings"
)

// dataImage matches the inline images a logo may be: the page's CSP allows data: images.
var dataImage = regexp.MustCompile(`^data:image/(png|gif|jpeg|webp|svg\+xml)[;,]`)

// Logo is the site's logo URL when it is one an <img> may load (https, http, a
// path on Caravan, or an inline image), else "" and the header shows the name alone.
func (s Site) Logo() htmltemplate.URL {
	u := strings.TrimSpace(s.LogoURL)
	switch {
	case strings.HasPrefix(u, "https://"), strings.HasPrefix(u, "http://"),
		strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//"), dataImage.MatchString(u):
		return htmltemplate.URL(u)
	}
	return ""
}

// MailLogo is the logo a mail may show: an absolute http(s) URL, or a path
// on Caravan made absolute with baseURL. Inline data: images are left out,
// since most mail clients refuse them.
func MailLogo(logoURL, baseURL string) string {
	u := strings.TrimSpace(logoURL)
	switch {
	case strings.HasPrefix(u, "https://"), strings.HasPrefix(u, "http://"):
		return u
	case strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//"):
		return strings.TrimSuffix(baseURL, "/") + u
	}
	return ""
}
