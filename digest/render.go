package digest

import (
	"errors"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	gomail "github.com/wneessen/go-mail"

	"github.com/caravan-news/caravan/store"
	"github.com/caravan-news/caravan/templates"
)

// SummaryLen is the longest article summary a digest shows, in characters.
const SummaryLen = 300

// rendered is one digest in words, before it becomes a message.
type rendered struct {
	Subject, Text, HTML string
}

// Digest builds the digest mail of sub listing articles (newest first, at most
// Cap) with more others counted in an "and N more" link, in sub's language.
// It is no run's digest, so it has no "view in browser" link.
func (c *Composer) Digest(sub store.Subscriber, articles []store.Article, more int, now time.Time) (*gomail.Msg, error) {
	return c.digest(nil, 0, sub, articles, more, now)
}

// digest is Digest with a run's cache of rendered bodies (nil for none); a
// digest of run runID (not 0) links to its page in the browser.
func (c *Composer) digest(cache *bodies, runID int64, sub store.Subscriber, articles []store.Article, more int, now time.Time) (*gomail.Msg, error) {
	b, err := cache.get(c, sub, articles, more, now, runID != 0)
	if err != nil {
		return nil, err
	}
	return c.message(b, runID, sub, now)
}

func (c *Composer) renderDigest(cache *blocks, sub store.Subscriber, articles []store.Article, more int, now time.Time) (rendered, error) {
	return c.renderDigestLinks(cache, sub, articles, more, now,
		readerLinks{Preferences: c.PreferencesURL(sub.ID), Unsubscribe: c.UnsubscribeURL(sub.ID)})
}

// readerLinks are the links of one reader's digest.
type readerLinks struct {
	Preferences, Unsubscribe string
	View                     string // "view in browser"; empty for none
}

// renderDigestLinks is renderDigest with the reader's links given.
func (c *Composer) renderDigestLinks(cache *blocks, sub store.Subscriber, articles []store.Article, more int, now time.Time,
	links readerLinks) (rendered, error) {
	if len(articles) == 0 {
		return rendered{}, errors.New("render digest: no articles")
	}
	loc := sub.Locale
	data := templates.DigestMail{
		Locale: loc, SiteName: c.SiteName, Logo: c.logo(), Accent: c.Accent, Date: now.In(c.location()),
		Count: count(loc, len(articles)+more), Following: following(loc, sub.Countries), Frequency: sub.Frequency,
		More: more, MoreURL: c.moreURL(articles),
		PreferencesURL: links.Preferences, UnsubscribeURL: links.Unsubscribe, ViewURL: links.View, ArchiveURL: c.ArchiveURL,
	}
	data.Subject = c.subject(sub, articles, more)
	titles := make([]string, 0, 3)
	for i, a := range articles {
		b, err := cache.get(c, loc, a)
		if err != nil {
			return rendered{}, err
		}
		data.Articles = append(data.Articles, b)
		if i < 3 {
			titles = append(titles, a.Title)
		}
	}
	data.Preheader = shorten(strings.Join(titles, " · "), 140)
	text, htmlPart, err := c.Tpl.Mail("digest", data)
	if err != nil {
		return rendered{}, err
	}
	return rendered{Subject: data.Subject, Text: text, HTML: htmlPart}, nil
}

// subject says what is inside: "3 nouveaux articles : Kirghizistan, Ouzbékistan".
// It names the countries of the listed articles that the reader follows, or
// the region when they are all regional news.
func (c *Composer) subject(sub store.Subscriber, articles []store.Article, more int) string {
	var codes []string
	for _, a := range articles {
		for _, code := range a.Countries {
			if !slices.Contains(codes, code) && (len(sub.Countries) == 0 || slices.Contains(sub.Countries, code)) {
				codes = append(codes, code)
			}
		}
	}
	about := templates.T(sub.Locale, "mail.digest.regional")
	if len(codes) > 0 {
		about = names(sub.Locale, codes)
	}
	what := templates.Tf(sub.Locale, "mail.digest.subject.about", count(sub.Locale, len(articles)+more), about)
	return templates.Tf(sub.Locale, "mail.digest.subject.site", what, c.SiteName)
}

func count(locale string, n int) string {
	if n == 1 {
		return templates.T(locale, "mail.digest.subject.one")
	}
	return templates.Tf(locale, "mail.digest.subject.many", n)
}

func following(locale string, codes []string) string {
	if len(codes) == 0 {
		return templates.T(locale, "mail.digest.all")
	}
	return names(locale, codes)
}

// names lists countries in words, in Caravan's usual order.
func names(locale string, codes []string) string {
	var out []string
	for _, code := range store.Countries {
		if slices.Contains(codes, code) {
			out = append(out, templates.CountryName(locale, code))
		}
	}
	return strings.Join(out, ", ")
}

// moreURL is where "and N more" leads: the site, or the home page of the newest article's site.
func (c *Composer) moreURL(articles []store.Article) string {
	if c.SiteURL != "" {
		return c.SiteURL
	}
	if u, err := url.Parse(articles[0].URL); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host + "/"
	}
	return c.BaseURL
}

func (c *Composer) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// blocks caches the rendered article blocks of one run: every reader of an
// article in one language sees the same block, so it is rendered once. A nil
// *blocks renders every time.
type blocks struct {
	mu sync.RWMutex
	m  map[blockKey]templates.DigestBlock
}

type blockKey struct {
	locale string
	id     int64
}

func newBlocks() *blocks { return &blocks{m: map[blockKey]templates.DigestBlock{}} }

func (b *blocks) get(c *Composer, locale string, a store.Article) (templates.DigestBlock, error) {
	k := blockKey{locale, a.ID}
	if b != nil {
		b.mu.RLock()
		blk, ok := b.m[k]
		b.mu.RUnlock()
		if ok {
			return blk, nil
		}
	}
	blk, err := c.Tpl.MailBlock("digest", "article", templates.DigestArticle{
		Locale: locale, Accent: c.Accent, Title: a.Title, URL: a.URL, Summary: summaryText(a.Summary),
		Countries: a.Countries, Published: a.PublishedAt.In(c.location()), Alert: a.Alert,
	})
	if err != nil || b == nil {
		return blk, err
	}
	b.mu.Lock()
	b.m[k] = blk
	b.mu.Unlock()
	return blk, nil
}

// strict removes every tag; bluemonday policies are safe for concurrent use.
var strict = bluemonday.StrictPolicy()

// blockTag matches the tags that separate words, so that "<p>a</p><p>b</p>"
// reads "a b" once the tags are gone.
var blockTag = regexp.MustCompile(`(?i)</?(p|br|div|li|h[1-6]|tr|td|blockquote|hr)\b[^>]*>`)

// summaryText turns a summary, which feeds and the API may give as HTML, into
// short plain text. The templates then escape it like any text: markup in a
// summary is never passed on as markup.
func summaryText(s string) string {
	s = html.UnescapeString(strict.Sanitize(blockTag.ReplaceAllString(s, " $0 ")))
	return shorten(strings.Join(strings.Fields(s), " "), SummaryLen)
}

// shorten cuts s to at most n characters, at a word when one is near, with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)*3/4 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-–—") + "…"
}
