package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Feed is an RSS or Atom feed Caravan polls, with what its last polls left behind.
type Feed struct {
	ID            int64     `json:"id"`
	URL           string    `json:"url"`
	ETag          string    `json:"etag,omitempty"` // ETag and LastModified: validators for the next conditional GET
	LastModified  string    `json:"last_modified,omitempty"`
	LastPolledAt  time.Time `json:"last_polled_at,omitzero"`
	LastSuccessAt time.Time `json:"last_success_at,omitzero"`
	LastErrorAt   time.Time `json:"last_error_at,omitzero"`
	LastError     string    `json:"last_error,omitempty"` // kept after a later success, as history
	ArticlesSeen  int       `json:"articles_seen"`        // new articles this feed brought, all polls together
}

// Failing reports whether the feed's latest poll failed.
func (f Feed) Failing() bool {
	return !f.LastErrorAt.IsZero() && !f.LastErrorAt.Before(f.LastSuccessAt)
}

// maxValidatorLen is the longest ETag or Last-Modified kept; a longer one is
// cut, which costs at worst a full fetch instead of a 304.
const maxValidatorLen = 1000

const feedColumns = `id, url, etag, last_modified, last_polled_at, last_success_at,
	last_error_at, last_error, articles_seen`

// EnsureFeeds makes urls the configured feeds: it records those not yet
// known, brings back those retired earlier, retires every other feed, and
// returns the configured ones in the order of urls, without duplicates. A
// retired feed leaves Feeds and the metrics but keeps its row, so its articles
// keep their feed and its history returns with it. Blank entries are ignored;
// a URL that is not absolute http(s) is an ErrInvalid, and then nothing changes.
func (s *Store) EnsureFeeds(ctx context.Context, urls []string) ([]Feed, error) {
	var clean []string
	for _, raw := range urls {
		raw = strings.TrimSpace(raw)
		if raw == "" || slices.Contains(clean, raw) {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("ensure feeds: %w: feed url must be an absolute http or https address, got %q", ErrInvalid, raw)
		}
		clean = append(clean, raw)
	}
	out := make([]Feed, 0, len(clean))
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := retireFeeds(ctx, tx, s.nowMS(), clean); err != nil {
			return fmt.Errorf("retire feeds: %w", err)
		}
		for _, u := range clean {
			if _, err := tx.ExecContext(ctx, `INSERT INTO feeds (url) VALUES (?)
				ON CONFLICT (url) DO UPDATE SET retired_at = NULL`, u); err != nil {
				return fmt.Errorf("feed %s: %w", u, err)
			}
			f, err := scanFeed(tx.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM feeds WHERE url = ?`, u))
			if err != nil {
				return fmt.Errorf("feed %s: %w", u, err)
			}
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ensure feeds: %w", err)
	}
	return out, nil
}

// retireFeeds marks retired, at now, every configured feed whose URL is not in keep.
func retireFeeds(ctx context.Context, tx *sql.Tx, now int64, keep []string) error {
	q := `UPDATE feeds SET retired_at = ? WHERE retired_at IS NULL`
	args := []any{now}
	if len(keep) > 0 {
		q += ` AND url NOT IN (` + placeholders(len(keep)) + `)`
		for _, u := range keep {
			args = append(args, u)
		}
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// Feeds lists the configured feeds (see EnsureFeeds), oldest first.
func (s *Store) Feeds(ctx context.Context) ([]Feed, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds WHERE retired_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	defer rows.Close()
	var out []Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("list feeds: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	return out, nil
}

// FeedPolled records the outcome of one poll of feed id. Without pollErr it is a
// success: the new validators are kept for the next conditional GET and
// newArticles is added to the feed's count. With pollErr the error is recorded
// and the old validators stay, so that items the failed poll did not store are
// fetched again rather than answered with 304.
func (s *Store) FeedPolled(ctx context.Context, id int64, etag, lastModified string, pollErr error, newArticles int) error {
	now := s.nowMS()
	var (
		res sql.Result
		err error
	)
	if pollErr == nil {
		// The validators are the feed server's headers: anything may be in them.
		etag, lastModified = truncate(etag, maxValidatorLen), truncate(lastModified, maxValidatorLen)
		res, err = s.w.ExecContext(ctx, `UPDATE feeds SET etag = ?, last_modified = ?, last_polled_at = ?,
			last_success_at = ?, articles_seen = articles_seen + ? WHERE id = ?`,
			etag, lastModified, now, now, newArticles, id)
	} else {
		msg := truncate(pollErr.Error(), 1000)
		res, err = s.w.ExecContext(ctx, `UPDATE feeds SET last_polled_at = ?, last_error = ?, last_error_at = ?
			WHERE id = ?`, now, msg, now, id)
	}
	if err != nil {
		return fmt.Errorf("feed %d polled: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("feed %d polled: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("feed %d polled: %w", id, ErrNotFound)
	}
	return nil
}

func scanFeed(row scanner) (Feed, error) {
	var (
		f                       Feed
		polled, success, failed sql.NullInt64
	)
	err := row.Scan(&f.ID, &f.URL, &f.ETag, &f.LastModified, &polled, &success, &failed, &f.LastError, &f.ArticlesSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return Feed{}, ErrNotFound
	}
	if err != nil {
		return Feed{}, err
	}
	f.LastPolledAt, f.LastSuccessAt, f.LastErrorAt = msPtr(polled), msPtr(success), msPtr(failed)
	return f, nil
}
