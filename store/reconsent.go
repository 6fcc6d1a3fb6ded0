package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ReconsentGrace is how long a subscriber asked to renew their consent has to
// answer (by saving their preferences) before they are removed.
const ReconsentGrace = 30 * 24 * time.Hour

// reconsentBatch is how many subscribers one transaction of the cycle handles.
const reconsentBatch = 500

// AskReconsent queues one re-consent mail for every active subscriber whose last
// confirmed activity (confirmation, preference change) is older than after and
// who has not been asked since. It returns how many were asked.
func (s *Store) AskReconsent(ctx context.Context, after time.Duration) (int, error) {
	total := 0
	for {
		now := s.now()
		n := 0
		err := s.write(ctx, func(tx *sql.Tx) error {
			// The outer guard is checked again on the row as it is when locked, so
			// two processes asking at once on PostgreSQL never ask anyone twice.
			ids, err := collectIDs(tx.QueryContext(ctx, `UPDATE subscribers SET reconsent_sent_at = ?
				WHERE id IN (SELECT id FROM subscribers WHERE status = 'active' AND last_activity_at < ?
					AND reconsent_sent_at IS NULL ORDER BY id LIMIT ?`+s.skipLocked()+`)
				AND reconsent_sent_at IS NULL AND status = 'active'
				RETURNING id`, now.UnixMilli(), now.Add(-after).UnixMilli(), reconsentBatch))
			if err != nil {
				return err
			}
			for _, id := range ids {
				if err := queueMail(ctx, tx, now, MailReconsent, id); err != nil {
					return err
				}
			}
			n = len(ids)
			return bumpN(ctx, tx, now, "reconsent_asked", n)
		})
		if err != nil {
			return total, fmt.Errorf("ask re-consent: %w", err)
		}
		total += n
		if n < reconsentBatch {
			return total, nil
		}
	}
}

// ExpireReconsent unsubscribes, with channel reconsent-expired, the subscribers
// asked to renew their consent more than ReconsentGrace ago who did nothing
// since (any activity clears the question). It returns how many left.
func (s *Store) ExpireReconsent(ctx context.Context) (int, error) {
	now := s.now()
	total := 0
	for {
		n := 0
		err := s.write(ctx, func(tx *sql.Tx) error {
			ids, err := collectIDs(tx.QueryContext(ctx, `SELECT id FROM subscribers WHERE status = 'active'
				AND reconsent_sent_at IS NOT NULL AND reconsent_sent_at < ? ORDER BY id LIMIT ?`,
				now.Add(-ReconsentGrace).UnixMilli(), reconsentBatch))
			if err != nil {
				return err
			}
			for _, id := range ids {
				if _, err := s.leave(ctx, tx, now, id, StatusUnsubscribed, ChannelReconsent); err != nil {
					return err
				}
			}
			n = len(ids)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("expire re-consent: %w", err)
		}
		total += n
		if n < reconsentBatch {
			return total, nil
		}
	}
}

// collectIDs reads a column of ids and closes the rows.
func collectIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
