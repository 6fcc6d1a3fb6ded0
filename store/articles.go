package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxTitleLen is the longest article title accepted, in characters.
const MaxTitleLen = 500

// MaxGUIDLen is the longest article GUID accepted, in bytes: a GUID is a
// unique key, and PostgreSQL refuses index entries much past 2,700 bytes.
const MaxGUIDLen = 2000

// DefaultArticlesLimit is how many articles Articles lists when asked for none or too many.
const DefaultArticlesLimit = 100

// Article is a piece of news a digest can list.
type Article struct {
	ID          int64     `json:"id"`
	GUID        string    `json:"guid"`
	URL         string    `json:"url"`
	Title       string    `json:"title"`
	Summary     string    `json:"summary"`
	Countries   []string  `json:"countries"` // empty: regional news, for everyone
	Lang        string    `json:"lang"`      // primary language subtag (fr, en); empty: unknown, for every reader
	PublishedAt time.Time `json:"published_at"`
	ArrivedAt   time.Time `json:"arrived_at"` // when Caravan learned of it: what "new" means to a digest
	UpdatedAt   time.Time `json:"updated_at"`
	FeedID      int64     `json:"feed_id,omitempty"` // 0: added through the API or the CLI
	Alert       bool      `json:"alert"`             // breaking news: sent at once to the readers of alerts
}

// ArticleInput is an article as the admin API, the CLI or a feed gives it.
type ArticleInput struct {
	GUID        string    `json:"guid"`
	URL         string    `json:"url"`
	Title       string    `json:"title"`
	Summary     string    `json:"summary"`
	Countries   []string  `json:"countries"`
	Lang        string    `json:"lang"`         // a language tag (fr, en, fr-FR); empty: unknown
	PublishedAt time.Time `json:"published_at"` // zero: the store uses the time it first sees the article
	Alert       bool      `json:"alert"`        // breaking news; once an alert, an article stays one
	Categories  []string  `json:"-"`            // a feed item's categories, read for countries and the alert marker; not stored
}

// Normalize checks the input and puts it in stored form, in place: the URL must
// be an absolute http(s) address, the title non-empty and at most MaxTitleLen
// characters, the countries known codes. The GUID defaults to the URL. Text
// comes out valid UTF-8 without NUL (see cleanText), whatever the feed or the
// API client sent. Errors wrap ErrInvalid and name the field.
func (in *ArticleInput) Normalize() error {
	raw := strings.TrimSpace(in.URL)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: url must be an absolute http or https address, got %q", ErrInvalid, raw)
	}
	u.Host = strings.ToLower(u.Host)
	in.URL = u.String()
	in.Title = strings.Join(strings.Fields(cleanText(in.Title)), " ")
	if in.Title == "" {
		return fmt.Errorf("%w: title must not be empty", ErrInvalid)
	}
	if n := utf8.RuneCountInString(in.Title); n > MaxTitleLen {
		return fmt.Errorf("%w: title is %d characters long, at most %d allowed", ErrInvalid, n, MaxTitleLen)
	}
	in.Summary = strings.TrimSpace(cleanText(in.Summary))
	if in.Countries, err = NormalizeCountries(in.Countries); err != nil {
		return fmt.Errorf("countries: %w", err)
	}
	if in.Lang, err = NormalizeLang(in.Lang); err != nil {
		return err
	}
	if in.GUID = strings.TrimSpace(cleanText(in.GUID)); in.GUID == "" {
		in.GUID = in.URL
	}
	if len(in.GUID) > MaxGUIDLen {
		return fmt.Errorf("%w: guid is %d bytes long, at most %d allowed", ErrInvalid, len(in.GUID), MaxGUIDLen)
	}
	return nil
}

// UpsertArticles stores items in one transaction, matching existing articles by
// GUID (which defaults to the URL). A new article arrives now; a known one takes
// the new URL, title, summary and countries (and published time, when given) but
// keeps its arrival time, so a digest never sends it again. feedID 0 means the
// API or the CLI. One invalid item rejects the whole batch and stores nothing.
// Items that change nothing count as neither added nor updated.
func (s *Store) UpsertArticles(ctx context.Context, feedID int64, items []ArticleInput) (added, updated int, err error) {
	norm := make([]ArticleInput, len(items))
	for i, in := range items {
		if err := in.Normalize(); err != nil {
			return 0, 0, fmt.Errorf("upsert articles: article %d: %w", i+1, err)
		}
		norm[i] = in
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.lockArrivals(ctx, tx); err != nil {
			return err
		}
		// Arrival is read inside the write transaction, and a run's cutoff is too:
		// they are ordered as their commits are (on PostgreSQL, lockArrivals gives
		// the order SQLite's one writer gives). A clock is not enough to order
		// them: it may have stepped back (NTP), or the run's cutoff came from
		// another instance whose clock runs ahead. So an article arrives after
		// every cutoff already taken, whatever the clock says: a run that started
		// before it cannot miss it, and the next run's window holds it.
		now, err := arrivalTime(ctx, tx, s.now())
		if err != nil {
			return err
		}
		added, updated = 0, 0
		for _, in := range norm {
			isNew, changed, err := upsertArticle(ctx, tx, now, feedID, in)
			if err != nil {
				return fmt.Errorf("article %q: %w", in.GUID, err)
			}
			if isNew {
				added++
			} else if changed {
				updated++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("upsert articles: %w", err)
	}
	return added, updated, nil
}

// arrivalTime is when an article stored now arrives: now, or just after the
// latest cutoff of any run when that is later.
func arrivalTime(ctx context.Context, tx *sql.Tx, now time.Time) (time.Time, error) {
	var latest int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(cutoff), 0) FROM digest_runs`).Scan(&latest); err != nil {
		return time.Time{}, fmt.Errorf("latest cutoff: %w", err)
	}
	if now.UnixMilli() <= latest {
		return ms(latest + 1), nil
	}
	return now, nil
}

// upsertArticle inserts or updates one normalized article.
func upsertArticle(ctx context.Context, tx *sql.Tx, now time.Time, feedID int64, in ArticleInput) (isNew, changed bool, err error) {
	var (
		id                                 int64
		oldURL, oldTitle, oldSum, oldCodes string
		oldLang                            string
		oldPublished                       int64
	)
	err = tx.QueryRowContext(ctx, `SELECT id, url, title, summary, countries, lang, published_at
		FROM articles WHERE guid = ?`, in.GUID).Scan(&id, &oldURL, &oldTitle, &oldSum, &oldCodes, &oldLang, &oldPublished)
	if errors.Is(err, sql.ErrNoRows) {
		inserted, err := insertArticle(ctx, tx, now, feedID, in)
		if err != nil || inserted {
			return inserted, false, err
		}
		// Another process (polling the same feed) stored it meanwhile: update that row.
		err = tx.QueryRowContext(ctx, `SELECT id, url, title, summary, countries, lang, published_at
			FROM articles WHERE guid = ?`, in.GUID).Scan(&id, &oldURL, &oldTitle, &oldSum, &oldCodes, &oldLang, &oldPublished)
	}
	if err != nil {
		return false, false, err
	}
	// A feed without dates gives a zero time on every poll: that is no change.
	published := oldPublished
	if !in.PublishedAt.IsZero() {
		published = in.PublishedAt.UnixMilli()
	}
	codes := joinCodes(in.Countries)
	if oldURL == in.URL && oldTitle == in.Title && oldSum == in.Summary && oldCodes == codes && oldLang == in.Lang &&
		oldPublished == published {
		return false, false, nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE articles SET url = ?, title = ?, summary = ?, countries = ?, lang = ?,
		published_at = ?, updated_at = ?, alert = CASE WHEN ? = 1 THEN 1 ELSE alert END WHERE id = ?`,
		in.URL, in.Title, in.Summary, codes, in.Lang, published, now.UnixMilli(), boolInt(in.Alert), id)
	return false, err == nil, err
}

// insertArticle stores a new article; inserted is false when its GUID is
// already there, put by another process since this transaction looked.
func insertArticle(ctx context.Context, tx *sql.Tx, now time.Time, feedID int64, in ArticleInput) (inserted bool, err error) {
	published := in.PublishedAt
	if published.IsZero() {
		published = now
	}
	feed := sql.NullInt64{Int64: feedID, Valid: feedID != 0}
	res, err := tx.ExecContext(ctx, `INSERT INTO articles
		(guid, url, title, summary, countries, lang, published_at, arrived_at, updated_at, feed_id, alert)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guid) DO NOTHING`,
		in.GUID, in.URL, in.Title, in.Summary, joinCodes(in.Countries), in.Lang,
		published.UnixMilli(), now.UnixMilli(), now.UnixMilli(), feed, boolInt(in.Alert))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Articles lists up to limit articles, the most recently arrived first, for admins.
// A limit outside 1..1000 means DefaultArticlesLimit.
func (s *Store) Articles(ctx context.Context, limit int) ([]Article, error) {
	return s.FindArticles(ctx, ArticleFilter{Limit: limit})
}

// ArticleFilter narrows FindArticles; its zero value lists the newest.
type ArticleFilter struct {
	Country string    // a code: the articles tagged with it
	Lang    string    // a language code: the articles in it
	Since   time.Time // the articles that arrived at or after it
	Limit   int       // outside 1..1000: DefaultArticlesLimit
}

// FindArticles lists the articles f selects, the most recently arrived first.
func (s *Store) FindArticles(ctx context.Context, f ArticleFilter) ([]Article, error) {
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = DefaultArticlesLimit
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+articleColumns+`
		FROM articles
		WHERE (CAST(? AS TEXT) = '' OR ',' || countries || ',' LIKE '%,' || CAST(? AS TEXT) || ',%')
		  AND (CAST(? AS TEXT) = '' OR lang = CAST(? AS TEXT))
		  AND arrived_at >= ?
		ORDER BY arrived_at DESC, id DESC LIMIT ?`,
		f.Country, f.Country, f.Lang, f.Lang, f.Since.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return out, nil
}

func scanArticle(row scanner) (Article, error) {
	var (
		a                           Article
		codes                       string
		published, arrived, updated int64
		feed                        sql.NullInt64
		alert                       int
	)
	if err := row.Scan(&a.ID, &a.GUID, &a.URL, &a.Title, &a.Summary, &codes, &a.Lang,
		&published, &arrived, &updated, &feed, &alert); err != nil {
		return Article{}, err
	}
	a.Countries = splitCodes(codes)
	a.PublishedAt, a.ArrivedAt, a.UpdatedAt = ms(published), ms(arrived), ms(updated)
	a.FeedID, a.Alert = feed.Int64, alert != 0
	return a, nil
}
