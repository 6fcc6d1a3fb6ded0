package digest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/caravan-news/caravan/store"
)

// Rendering a digest costs far more than sending it: the templates, then the
// quoted-printable encoding of both parts. Yet readers with the same language,
// countries and new articles get the same digest, but for the links to their
// own preferences and unsubscribe pages. So a run renders each distinct digest
// once, into the wire form of its MIME body cut where the readers' link
// tokens go, and each message of the group is those bytes with its reader's
// tokens spliced in. What the reader sees is what rendering their digest
// alone would give; only the points where quoted-printable breaks lines differ.

// body is one distinct digest, encoded for the wire.
type body struct {
	subject string
	ctype   string          // multipart/alternative and its boundary
	segs    [][]byte        // the MIME body, cut at the holes: segs[i] comes before holes[i]
	holes   []store.Purpose // whose link token goes into each cut
	size    int
}

// writeFunc writes b with the reader's tokens in its holes, for go-mail. It
// hands over the whole body in one Write: go-mail copies a body into a buffer
// of its own, which then grows once instead of at every piece.
func (b *body) writeFunc(pref, unsub, view string) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		buf := wireBufs.Get().(*[]byte)
		defer wireBufs.Put(buf)
		out := (*buf)[:0]
		for i, seg := range b.segs {
			out = append(out, seg...)
			switch {
			case i == len(b.holes):
			case b.holes[i] == store.PurposePreferences:
				out = append(out, pref...)
			case b.holes[i] == store.PurposeView:
				out = append(out, view...)
			default:
				out = append(out, unsub...)
			}
		}
		*buf = out
		n, err := w.Write(out)
		return int64(n), err
	}
}

// wireBufs are the buffers in which writeFunc puts bodies together.
var wireBufs = sync.Pool{New: func() any { return new([]byte) }}

// message builds sub's digest of run runID from b.
func (c *Composer) message(b *body, runID int64, sub store.Subscriber, now time.Time) (*gomail.Msg, error) {
	m, err := c.newMsg(sub, b.subject, "digest", now)
	if err != nil {
		return nil, err
	}
	pref := c.Links.Make(store.PurposePreferences, sub.ID, 0)
	unsub := c.Links.Make(store.PurposeUnsubscribe, sub.ID, 0)
	view := ""
	if runID != 0 {
		view = c.viewToken(runID, sub)
	}
	if err := c.setUnsubscribeURL(m, c.BaseURL+"/unsubscribe/"+unsub); err != nil {
		return nil, err
	}
	m.SetBulk() // Precedence: bulk: no out-of-office replies to a newsletter
	// The body is MIME already, its parts quoted-printable: go-mail must pass
	// it on as it is, which it does for a part it is told is 8bit. Multipart
	// bodies may be declared 8bit (RFC 2045 6.4); this one is 7-bit clean anyway.
	m.SetBodyWriter(gomail.ContentType(b.ctype), b.writeFunc(pref, unsub, view), gomail.WithPartEncoding(gomail.NoEncoding))
	return m, nil
}

// bodies are the distinct digests of one run, each rendered once. Their
// number depends on the languages, country choices and article windows, not
// on the number of readers; still, past maxBodiesSize bytes the cache drops
// some to make room. A nil *bodies renders every time.
type bodies struct {
	marker string // stands in the rendered text for a token, followed by its purpose
	blocks *blocks
	mu     sync.Mutex
	m      map[string]*body
	size   int
}

const maxBodiesSize = 16 << 20

func newBodies() *bodies {
	return &bodies{marker: "caravan" + strings.ToLower(rand.Text()), blocks: newBlocks(), m: map[string]*body{}}
}

// get returns the body of sub's digest listing articles, with more others,
// and with a "view in browser" link when view is set.
func (bs *bodies) get(c *Composer, sub store.Subscriber, articles []store.Article, more int, now time.Time, view bool) (*body, error) {
	if bs == nil {
		return c.renderBody(nil, "caravan"+strings.ToLower(rand.Text()), sub, articles, more, now, view)
	}
	key := c.bodyKey(sub, articles, more, now)
	if view {
		key += "|v"
	}
	bs.mu.Lock()
	b := bs.m[key]
	bs.mu.Unlock()
	if b != nil {
		return b, nil
	}
	b, err := c.renderBody(bs.blocks, bs.marker, sub, articles, more, now, view)
	if err != nil {
		return nil, err
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if old := bs.m[key]; old != nil {
		return old, nil // another goroutine rendered it meanwhile
	}
	for k, old := range bs.m {
		if bs.size+b.size <= maxBodiesSize {
			break
		}
		delete(bs.m, k)
		bs.size -= old.size
	}
	bs.m[key] = b
	bs.size += b.size
	return b, nil
}

// bodyKey names what makes two readers' digests differ, but for their links:
// language, frequency, countries, the articles listed and counted, and the
// day shown.
func (c *Composer) bodyKey(sub store.Subscriber, articles []store.Article, more int, now time.Time) string {
	k := make([]byte, 0, 48+8*len(articles))
	k = append(k, sub.Locale...)
	k = append(k, '|')
	k = append(k, sub.Frequency...)
	k = append(k, '|')
	for _, code := range sub.Countries {
		k = append(k, code...)
		k = append(k, ',')
	}
	k = append(k, '|')
	k = now.In(c.location()).AppendFormat(k, time.DateOnly)
	k = append(k, '|')
	k = strconv.AppendInt(k, int64(more), 10)
	for _, a := range articles {
		k = append(k, '|')
		k = strconv.AppendInt(k, a.ID, 10)
	}
	return string(k)
}

// renderBody renders sub's digest with marker+purpose in place of each link
// token, and encodes it.
func (c *Composer) renderBody(cache *blocks, marker string, sub store.Subscriber, articles []store.Article, more int, now time.Time, view bool) (*body, error) {
	links := readerLinks{Preferences: c.BaseURL + "/preferences/" + marker + string(store.PurposePreferences),
		Unsubscribe: c.BaseURL + "/unsubscribe/" + marker + string(store.PurposeUnsubscribe)}
	if view {
		links.View = c.BaseURL + "/view/" + marker + string(store.PurposeView)
	}
	r, err := c.renderDigestLinks(cache, sub, articles, more, now, links)
	if err != nil {
		return nil, err
	}
	b, err := encodeBody(r.Text, r.HTML, marker)
	if err != nil {
		return nil, fmt.Errorf("encode digest: %w", err)
	}
	b.subject = r.Subject
	return b, nil
}

// softBreak is a quoted-printable line break that decodes to nothing: one
// before each token starts it on a line of its own, so that the encoded text
// around it never depends on its length, and one after it ends that line.
const softBreak = "=\r\n"

// encodeBody writes the multipart/alternative body of text and html, each
// quoted-printable, and cuts it at each marker. Tokens are base64url: they
// stand in quoted-printable as they are.
func encodeBody(text, html, marker string) (*body, error) {
	var buf bytes.Buffer
	buf.Grow(len(text) + len(html) + len(html)/8 + 1024)
	mw := multipart.NewWriter(&buf)
	b := &body{ctype: "multipart/alternative; boundary=" + mw.Boundary()}
	var cuts []int
	for _, part := range []struct{ ctype, content string }{{"text/plain", text}, {"text/html", html}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype + "; charset=UTF-8"},
			"Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		rest := part.content
		for {
			i := strings.Index(rest, marker)
			piece := rest
			if i >= 0 {
				piece = rest[:i]
			}
			qp := quotedprintable.NewWriter(pw)
			if _, err := io.WriteString(qp, piece); err != nil {
				return nil, err
			}
			if err := qp.Close(); err != nil {
				return nil, err
			}
			if i < 0 {
				break
			}
			rest = rest[i+len(marker):]
			if rest == "" || !slices.Contains([]store.Purpose{store.PurposePreferences, store.PurposeUnsubscribe, store.PurposeView}, store.Purpose(rest[0])) {
				return nil, fmt.Errorf("stray link marker in the %s part", part.ctype)
			}
			b.holes = append(b.holes, store.Purpose(rest[0]))
			rest = rest[1:]
			buf.WriteString(softBreak)
			cuts = append(cuts, buf.Len())
			buf.WriteString(softBreak)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	all := buf.Bytes()
	from := 0
	for _, cut := range cuts {
		b.segs = append(b.segs, all[from:cut])
		from = cut
	}
	b.segs = append(b.segs, all[from:])
	b.size = len(all)
	return b, nil
}
