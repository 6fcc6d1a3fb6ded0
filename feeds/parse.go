package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/caravan-news/caravan/store"
)

// ErrNotFeed reports a document that is neither RSS nor Atom (nor JSON Feed).
var ErrNotFeed = errors.New("not an RSS or Atom feed")

// titleFromSummaryLen is how much of the summary stands in for a missing title.
const titleFromSummaryLen = 100

// Parse reads an RSS 2.0, RSS 1.0, Atom or JSON feed and maps its items to
// articles. feedURL is where the document was fetched from, after redirects:
// relative links resolve against it. Titles and summaries come out as plain
// text, never markup from the feed; countries come from the items' categories.
// Articles are in the feed's <language> (RSS) or xml:lang (Atom), when it
// names one. An item without a date gets a zero PublishedAt, which the store reads as "now"
// when it first sees the article. Items are not validated: see
// store.ArticleInput.Normalize.
func Parse(body []byte, feedURL string) ([]store.ArticleInput, error) {
	base, err := url.Parse(feedURL)
	if err != nil {
		return nil, fmt.Errorf("parse feed: bad feed url %q: %w", feedURL, err)
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, notFeed(body)
	}
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	lang, _ := store.NormalizeLang(feed.Language) // a language the store cannot read is no language
	out := make([]store.ArticleInput, 0, len(feed.Items))
	for _, it := range feed.Items {
		if it != nil {
			a := article(it, base)
			a.Lang = lang
			out = append(out, a)
		}
	}
	return out, nil
}

// notFeed explains why a document is not a feed, naming the common mistake of
// configuring a site's page instead of its feed.
func notFeed(body []byte) error {
	head := bytes.ToLower(body[:min(len(body), 1024)])
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return fmt.Errorf("parse feed: %w: the body is empty", ErrNotFeed)
	case bytes.Contains(head, []byte("<!doctype html")) || bytes.Contains(head, []byte("<html")):
		return fmt.Errorf("parse feed: %w: got an HTML page; configure the site's RSS or Atom feed address instead", ErrNotFeed)
	default:
		return fmt.Errorf("parse feed: %w", ErrNotFeed)
	}
}

// article maps one feed item to an article.
func article(it *gofeed.Item, base *url.URL) store.ArticleInput {
	link := strings.TrimSpace(it.Link)
	if link == "" && len(it.Links) > 0 {
		link = strings.TrimSpace(it.Links[0])
	}
	guid := strings.TrimSpace(it.GUID)
	if link == "" && (strings.HasPrefix(guid, "http://") || strings.HasPrefix(guid, "https://")) {
		link = guid // an RSS permalink GUID with no <link>
	}
	link = resolve(base, link)
	if guid == "" {
		guid = link
	}
	summary := plainText(it.Description)
	if summary == "" {
		summary = plainText(it.Content)
	}
	title := plainText(it.Title)
	if title == "" {
		title = truncate(summary, titleFromSummaryLen)
	}
	return store.ArticleInput{
		GUID:        guid,
		URL:         link,
		Title:       truncate(title, store.MaxTitleLen),
		Summary:     truncate(summary, SummaryLen),
		Countries:   MatchCountries(it.Categories...),
		PublishedAt: published(it),
		Categories:  it.Categories,
	}
}

// resolve makes link absolute against base; a link that does not parse is
// returned as is, for Normalize to reject.
func resolve(base *url.URL, link string) string {
	if link == "" {
		return ""
	}
	u, err := base.Parse(link)
	if err != nil {
		return link
	}
	return u.String()
}

func published(it *gofeed.Item) time.Time {
	switch {
	case it.PublishedParsed != nil:
		return it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil:
		return it.UpdatedParsed.UTC()
	default:
		return time.Time{}
	}
}
