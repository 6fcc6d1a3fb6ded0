package digest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/caravan-news/caravan/store"
)

// ArchiveStore is what the public archive needs of the store: runs and
// articles, nothing about readers.
type ArchiveStore interface {
	Now() time.Time
	Editions(ctx context.Context, since, before time.Time, offset, limit int) ([]store.Edition, error)
	EditionOf(ctx context.Context, frequency string, dayStart, dayEnd time.Time) (store.Edition, error)
	DigestArticles(ctx context.Context, from, until time.Time) ([]store.Article, error)
}

// Archive is the public archive of past editions: each daily or weekly run,
// as the articles it covered, for anyone to read. Editions older than
// Retention are no longer shown. The editions it returns have their slot in
// the archive's time zone, whose day names them.
type Archive struct {
	Store     ArchiveStore
	Location  *time.Location
	Retention time.Duration
}

// List returns page (from 1) of the editions, perPage to a page, newest
// first, and whether older ones follow.
func (a *Archive) List(ctx context.Context, page, perPage int) (eds []store.Edition, more bool, err error) {
	now := a.Store.Now()
	eds, err = a.Store.Editions(ctx, now.Add(-a.Retention), now.Add(time.Minute), (page-1)*perPage, perPage+1)
	if err != nil {
		return nil, false, err
	}
	if len(eds) > perPage {
		eds, more = eds[:perPage], true
	}
	for i := range eds {
		eds[i].Slot = eds[i].Slot.In(a.location())
	}
	return eds, more, nil
}

// Edition returns the edition of frequency on day (YYYY-MM-DD) with its
// articles; with country set, only those about it and regional news: what a
// reader of that country got. An edition that does not exist, has expired or
// names no valid day or frequency is store.ErrNotFound.
func (a *Archive) Edition(ctx context.Context, frequency, day, country string) (store.Edition, error) {
	start, err := time.ParseInLocation(time.DateOnly, day, a.location())
	if err != nil || !slices.Contains(store.Frequencies, frequency) {
		return store.Edition{}, fmt.Errorf("edition %q of %q: %w", frequency, day, store.ErrNotFound)
	}
	e, err := a.Store.EditionOf(ctx, frequency, start, start.AddDate(0, 0, 1))
	if err != nil {
		return store.Edition{}, err
	}
	if e.Slot.Before(a.Store.Now().Add(-a.Retention)) {
		return store.Edition{}, fmt.Errorf("edition %s of %s has expired: %w", frequency, day, store.ErrNotFound)
	}
	return a.fill(ctx, e, country)
}

// Recent returns the n latest editions with their articles, for the feed;
// with country set, each filtered as Edition does, and those left empty skipped.
func (a *Archive) Recent(ctx context.Context, country string, n int) ([]store.Edition, error) {
	now := a.Store.Now()
	var out []store.Edition
	for offset := 0; len(out) < n; offset += n {
		rows, err := a.Store.Editions(ctx, now.Add(-a.Retention), now.Add(time.Minute), offset, n)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			e, err := a.fill(ctx, r, country)
			if err != nil {
				return nil, err
			}
			if len(e.Items) > 0 && len(out) < n {
				out = append(out, e)
			}
		}
		if len(rows) < n {
			break
		}
	}
	return out, nil
}

// fill loads e's articles, keeping those a reader of country got, their
// summaries as plain text.
func (a *Archive) fill(ctx context.Context, e store.Edition, country string) (store.Edition, error) {
	all, err := a.Store.DigestArticles(ctx, e.From, e.Until)
	if err != nil {
		return store.Edition{}, err
	}
	var chosen []string
	if country != "" {
		chosen = []string{country}
	}
	e.Items = nil
	for _, art := range all {
		if follows(chosen, art.Countries) {
			art.Summary = summaryText(art.Summary) // as the digests show it: short plain text
			e.Items = append(e.Items, art)
		}
	}
	e.Slot = e.Slot.In(a.location())
	return e, nil
}

func (a *Archive) location() *time.Location {
	if a.Location == nil {
		return time.UTC
	}
	return a.Location
}
