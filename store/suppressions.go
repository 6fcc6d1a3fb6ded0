package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SuppressionFilter selects suppressions for the operator's list.
type SuppressionFilter struct {
	Email  string // one address only (normalized); empty: all
	Lifted bool   // include the lifted ones
	After  string // the cursor: only hashes above it
	Limit  int    // 1 to MaxPageSize; 0 means DefaultPageSize
}

// SuppressionPage is one page of the list, in hash order; NextCursor is empty on the last page.
type SuppressionPage struct {
	Suppressions []Suppression `json:"suppressions"`
	NextCursor   string        `json:"next_cursor,omitempty"`
}

// ListSuppressions returns the suppressions matching f, with the address and
// status of those whose subscriber is still on the list.
func (s *Store) ListSuppressions(ctx context.Context, f SuppressionFilter) (SuppressionPage, error) {
	if f.Limit < 0 || f.Limit > MaxPageSize {
		return SuppressionPage{}, fmt.Errorf("list suppressions: %w: limit must be between 1 and %d", ErrInvalid, MaxPageSize)
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultPageSize
	}
	where, args := []string{"p.hash > ?"}, []any{f.After}
	if f.Email != "" {
		where, args = append(where, "p.hash = ?"), append(args, saltedHash(s.salt, EmailKey(f.Email)))
	}
	if !f.Lifted {
		where = append(where, "p.lifted_at IS NULL")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT p.hash, p.reason, p.created_at, COALESCE(p.subscriber_id, 0), p.lifted_at,
		p.lift_reason, COALESCE(b.email, ''), COALESCE(b.status, '')
		FROM suppressions p LEFT JOIN subscribers b ON b.id = p.subscriber_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY p.hash LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return SuppressionPage{}, fmt.Errorf("list suppressions: %w", err)
	}
	defer rows.Close()
	page := SuppressionPage{Suppressions: []Suppression{}}
	for rows.Next() {
		var p Suppression
		var at int64
		var lifted sql.NullInt64
		if err := rows.Scan(&p.Hash, &p.Reason, &at, &p.SubscriberID, &lifted, &p.LiftReason, &p.Email, &p.Status); err != nil {
			return SuppressionPage{}, fmt.Errorf("list suppressions: %w", err)
		}
		p.At, p.LiftedAt = ms(at), msPtr(lifted)
		page.Suppressions = append(page.Suppressions, p)
	}
	if err := rows.Err(); err != nil {
		return SuppressionPage{}, fmt.Errorf("list suppressions: %w", err)
	}
	if len(page.Suppressions) > limit {
		page.Suppressions = page.Suppressions[:limit]
		page.NextCursor = page.Suppressions[limit-1].Hash
	}
	return page, nil
}

// LiftSuppression lets the address be mailed again, recording who asked
// (channel: admin API, command line) and why. It brings back nobody who left:
// an unsubscribed reader stays unsubscribed until they confirm a new signup.
// A reader whom only a bounce took off the list (the server's word, not
// theirs: a refusal wrongly read as a dead mailbox) is active again. An
// address with no suppression in force is ErrNotFound.
func (s *Store) LiftSuppression(ctx context.Context, email, channel, reason string) (Suppression, error) {
	if strings.TrimSpace(reason) == "" {
		reason = "lifted by an operator"
	}
	now := s.now()
	var sup Suppression
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		sup, err = s.liftHash(ctx, tx, EmailKey(email), channel+": "+reason)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || sup.SubscriberID == 0 || !strings.HasPrefix(sup.Reason, "bounce-") || sup.Reason == "bounce-"+BounceComplaint {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE subscribers SET status = 'active', unsubscribed_at = NULL,
			unsubscribe_channel = '', soft_bounces = 0, updated_at = ? WHERE id = ? AND status = 'bounced'`,
			now.UnixMilli(), sup.SubscriberID)
		if err != nil {
			return fmt.Errorf("restore bounced subscriber: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return recordEvent(ctx, tx, sup.SubscriberID, ConsentEvent{Event: EventResubscribe, At: now, Channel: channel,
				Source: "suppression lifted: " + clipText(reason, 400)})
		}
		return nil
	})
	if err != nil {
		return Suppression{}, fmt.Errorf("lift suppression: %w", err)
	}
	sup.LiftedAt, sup.LiftReason = now.Truncate(time.Millisecond).UTC(), channel+": "+reason
	return sup, nil
}
