package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Kinds of one-off mail for the readers' side.
const (
	MailWelcome  = "welcome"  // right after a confirmation: what comes, and when
	MailReminder = "reminder" // once, to a signup left unconfirmed
	MailManage   = "manage"   // "lost your link?": the reader's preferences link
)

// MaxManageMailsPerDay caps the preference-link mails one address gets in a day,
// however often someone types it into /manage.
const MaxManageMailsPerDay = 3

// QueueWelcome queues the welcome mail of an active subscriber (an import that
// asked for it); anyone else is ErrConflict, an unknown id ErrNotFound.
func (s *Store) QueueWelcome(ctx context.Context, id int64) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM subscribers WHERE id = ?`, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if status != StatusActive {
			return fmt.Errorf("subscriber is %s: %w", status, ErrConflict)
		}
		return queueMail(ctx, tx, s.now(), MailWelcome, id)
	})
	if err != nil {
		return fmt.Errorf("queue welcome %d: %w", id, err)
	}
	return nil
}

// QueueReminders queues one reminder for each signup still unconfirmed after
// `after` but not older than `before` (past it, the link it would renew has
// long been ignored), and returns how many. Each signup is reminded once, and
// only the latest of an address, and not that of an active reader asking for
// a change: a new signup of the same address is a new request and earns its
// own. The reminder goes, like the confirmation, to the spelling typed.
func (s *Store) QueueReminders(ctx context.Context, after, before time.Duration) (int, error) {
	now := s.now()
	var n int
	err := s.write(ctx, func(tx *sql.Tx) error {
		// The guarded UPDATE marks each row once, even with several processes
		// at it: the second one finds the row reminded and skips it.
		rows, err := tx.QueryContext(ctx, `UPDATE signups SET reminded_at = ?
			WHERE reminded_at IS NULL AND created_at <= ? AND created_at > ?
			AND id = (SELECT MAX(l.id) FROM signups l WHERE l.subscriber_id = signups.subscriber_id)
			AND subscriber_id IN (SELECT id FROM subscribers WHERE status <> 'active')
			RETURNING id, subscriber_id`,
			now.UnixMilli(), now.Add(-after).UnixMilli(), now.Add(-before).UnixMilli())
		if err != nil {
			return err
		}
		type due struct{ signup, subscriber int64 }
		var dues []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.signup, &d.subscriber); err != nil {
				rows.Close()
				return err
			}
			dues = append(dues, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, d := range dues {
			if err := queueSignupMail(ctx, tx, now, MailReminder, d.subscriber, d.signup); err != nil {
				return err
			}
		}
		n = len(dues)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("queue reminders: %w", err)
	}
	return n, nil
}

// RequestManageLink queues a mail with the preferences link of the active
// subscriber with email, at most MaxManageMailsPerDay a day. queued is false
// when no mail goes out: unknown, not active, or their share sent today. The
// caller must answer the same in every case.
func (s *Store) RequestManageLink(ctx context.Context, email string) (queued bool, err error) {
	now := s.now()
	err = s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT id, status FROM subscribers WHERE email_key = ?`+s.forUpdate(),
			EmailKey(email)).Scan(&id, &status)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && status != StatusActive) {
			return nil
		}
		if err != nil {
			return err
		}
		var sent int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE subscriber_id = ? AND kind = ?
			AND created_at > ?`, id, MailManage, now.Add(-24*time.Hour).UnixMilli()).Scan(&sent); err != nil {
			return err
		}
		if sent >= MaxManageMailsPerDay {
			return nil
		}
		queued = true
		return queueMail(ctx, tx, now, MailManage, id)
	})
	if err != nil {
		return false, fmt.Errorf("request manage link: %w", err)
	}
	return queued, nil
}

// LatestArticles lists the limit articles that arrived last, newest first.
func (s *Store) LatestArticles(ctx context.Context, limit int) ([]Article, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+articleColumns+` FROM articles
		ORDER BY arrived_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("latest articles: %w", err)
	}
	return collectArticles(rows, "latest articles")
}

// articleColumns are what scanArticle reads, in its order.
const articleColumns = `id, guid, url, title, summary, countries, lang, published_at, arrived_at, updated_at, feed_id, alert`

// collectArticles reads and closes rows of articleColumns.
func collectArticles(rows *sql.Rows, what string) ([]Article, error) {
	defer rows.Close()
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// boolInt stores a flag as 0 or 1, the same on both backends.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
