package feeds

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/caravan-news/caravan/store"
)

// Limits of one feed request.
const (
	DefaultTimeout  = 20 * time.Second // the whole request, body included
	DefaultMaxBytes = 5 << 20          // body cap: 5 MiB
	MaxRedirects    = 5
)

// UserAgent tells feed publishers who is asking.
const UserAgent = "Caravan/1.0 (+newsletter digest)"

const accept = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"

// fetched is what one conditional GET brought back.
type fetched struct {
	url                string // after redirects: relative links resolve against it
	body               []byte
	notModified        bool
	etag, lastModified string // validators to send next time
}

// withDefaults returns a copy of c (or a new client) with a timeout and the
// redirect policy set where c leaves them unset, so that a slow feed cannot hold
// a poll forever and a redirect loop ends quickly with a clear error.
func withDefaults(c *http.Client) *http.Client {
	cp := http.Client{}
	if c != nil {
		cp = *c
	}
	if cp.Timeout == 0 {
		cp.Timeout = DefaultTimeout
	}
	if cp.CheckRedirect == nil {
		cp.CheckRedirect = checkRedirect
	}
	return &cp
}

// checkRedirect follows at most MaxRedirects redirects and names a loop as such.
func checkRedirect(req *http.Request, via []*http.Request) error {
	for _, prev := range via {
		if prev.URL.String() == req.URL.String() {
			return fmt.Errorf("redirect loop: %s leads back to %s", via[len(via)-1].URL, req.URL)
		}
	}
	if len(via) > MaxRedirects {
		return fmt.Errorf("more than %d redirects", MaxRedirects)
	}
	return nil
}

// fetch GETs the feed, sending the validators of the last successful poll so an
// unchanged feed costs a 304 and nothing else. A body over maxBytes is an error,
// not a truncated feed.
func fetch(ctx context.Context, client *http.Client, f store.Feed, maxBytes int64) (fetched, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return fetched{}, fmt.Errorf("fetch: %w", err)
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept", accept)
	if f.ETag != "" {
		req.Header.Set("If-None-Match", f.ETag)
	}
	if f.LastModified != "" {
		req.Header.Set("If-Modified-Since", f.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fetched{}, fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()

	if resp.StatusCode == http.StatusNotModified {
		// A 304 may refresh the validators; otherwise the old ones still hold.
		return fetched{
			url:          resp.Request.URL.String(),
			notModified:  true,
			etag:         firstNonEmpty(resp.Header.Get("ETag"), f.ETag),
			lastModified: firstNonEmpty(resp.Header.Get("Last-Modified"), f.LastModified),
		}, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fetched{}, fmt.Errorf("fetch: unexpected status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return fetched{}, fmt.Errorf("fetch: read body: %w", err)
	}
	if int64(len(body)) > maxBytes {
		return fetched{}, fmt.Errorf("fetch: feed larger than %s", byteSize(maxBytes))
	}
	return fetched{
		url:          resp.Request.URL.String(),
		body:         body,
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
	}, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// byteSize writes n the way people read sizes: "5 MiB", "64 KiB", "100 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
