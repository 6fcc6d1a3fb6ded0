package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// DeskArticle is an article as the editors' desk lists it: with whether it is hidden.
type DeskArticle struct {
	Article
	HiddenAt time.Time // zero: it goes in the digests
}

// DeskArticleFilter selects articles for the desk; zero fields match all.
type DeskArticleFilter struct {
	Country string // articles about it, and regional ones
	Query   string // part of the title
	Hidden  string // "yes", "no" or ""
	Limit   int    // 1..500, else 100
}

// DeskArticles lists the articles f selects, the latest arrived first.
func (s *Store) DeskArticles(ctx context.Context, f DeskArticleFilter) ([]DeskArticle, error) {
	where, args := []string{"1 = 1"}, []any{}
	if f.Country != "" {
		where, args = append(where, "(countries = '' OR ',' || countries || ',' LIKE ?)"), append(args, "%,"+f.Country+",%")
	}
	if f.Query != "" {
		where, args = append(where, `lower(title) LIKE ? ESCAPE '\'`), append(args, "%"+escapeLike(strings.ToLower(f.Query))+"%")
	}
	switch f.Hidden {
	case "yes":
		where = append(where, "hidden_at IS NOT NULL")
	case "no":
		where = append(where, "hidden_at IS NULL")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, guid, url, title, summary, countries, lang, published_at, arrived_at,
		updated_at, feed_id, hidden_at FROM articles WHERE `+strings.Join(where, " AND ")+
		` ORDER BY arrived_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("desk articles: %w", err)
	}
	defer rows.Close()
	out := []DeskArticle{}
	for rows.Next() {
		var a DeskArticle
		var codes string
		var published, arrived, updated int64
		var feed, hidden sql.NullInt64
		if err := rows.Scan(&a.ID, &a.GUID, &a.URL, &a.Title, &a.Summary, &codes, &a.Lang, &published, &arrived, &updated,
			&feed, &hidden); err != nil {
			return nil, fmt.Errorf("desk articles: %w", err)
		}
		a.Countries = splitCodes(codes)
		a.PublishedAt, a.ArrivedAt, a.UpdatedAt, a.HiddenAt = ms(published), ms(arrived), ms(updated), msPtr(hidden)
		a.FeedID = feed.Int64
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("desk articles: %w", err)
	}
	return out, nil
}

// HideArticle hides article id from every digest from now on (hidden true),
// or lets it go in them again. No such article is ErrNotFound.
func (s *Store) HideArticle(ctx context.Context, id int64, hidden bool) (Article, error) {
	var a Article
	err := s.write(ctx, func(tx *sql.Tx) error {
		at := nullMS(time.Time{})
		if hidden {
			at = nullMS(s.now())
		}
		res, err := tx.ExecContext(ctx, `UPDATE articles SET hidden_at = ? WHERE id = ?`, at, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		a, err = scanArticle(tx.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = ?`, id))
		return err
	})
	if err != nil {
		return Article{}, fmt.Errorf("hide article %d: %w", id, err)
	}
	return a, nil
}
