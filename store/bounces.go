package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Kinds of bounce reports a relay sends.
const (
	BounceHard      = "hard"
	BounceSoft      = "soft"
	BounceComplaint = "complaint"
)

// BounceKinds lists the accepted kinds, for validation.
var BounceKinds = []string{BounceHard, BounceSoft, BounceComplaint}

// SoftBounceLimit is how many soft bounces suppress an address, as one hard bounce does.
const SoftBounceLimit = 3

// BounceResult says what a bounce report did.
type BounceResult struct {
	Known       bool   `json:"known"`        // the address is on the list
	Suppressed  bool   `json:"suppressed"`   // the address will never be mailed again
	SoftBounces int    `json:"soft_bounces"` // soft bounces counted so far
	Status      string `json:"status,omitempty"`
}

// Bounce records a relay's report about an address. A hard bounce or a spam
// complaint marks the subscriber bounced and suppresses the address at once,
// even when it is not on the list; soft bounces are counted and suppress it at
// SoftBounceLimit. The relay's reason text is not stored: it often quotes the
// address, which the suppression list keeps only as a hash.
func (s *Store) Bounce(ctx context.Context, email, kind string) (BounceResult, error) {
	if !slices.Contains(BounceKinds, kind) {
		return BounceResult{}, fmt.Errorf("bounce: %w: kind must be hard, soft or complaint", ErrInvalid)
	}
	key := EmailKey(email)
	now := s.now()
	var res BounceResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := bump(ctx, tx, now, "bounce."+kind); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM subscribers WHERE email_key = ?`, key).Scan(&id)
		res.Known = err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if kind == BounceSoft {
			if !res.Known {
				return nil // nothing to count against
			}
			err := tx.QueryRowContext(ctx, `UPDATE subscribers SET soft_bounces = soft_bounces + 1, updated_at = ?
				WHERE id = ? RETURNING soft_bounces, status`, now.UnixMilli(), id).Scan(&res.SoftBounces, &res.Status)
			if err != nil || res.SoftBounces < SoftBounceLimit {
				return err
			}
		}
		res.Suppressed = true
		if err := s.suppress(ctx, tx, key, "bounce-"+kind, id); err != nil {
			return err
		}
		if !res.Known {
			return nil
		}
		channel := ChannelBounce
		if kind == BounceComplaint {
			channel = ChannelComplaint
		}
		return s.markBounced(ctx, tx, now, id, channel, &res)
	})
	if err != nil {
		return BounceResult{}, fmt.Errorf("bounce: %w", err)
	}
	return res, nil
}

// markBounced moves a subscriber to bounced whatever their status, counting it as
// a departure by channel when they were still on the list.
func (s *Store) markBounced(ctx context.Context, tx *sql.Tx, now time.Time, id int64, channel string, res *BounceResult) error {
	left, err := s.leave(ctx, tx, now, id, StatusBounced, channel)
	if err != nil {
		return err
	}
	if !left {
		_, err = tx.ExecContext(ctx, `UPDATE subscribers SET status = 'bounced', updated_at = ? WHERE id = ?`,
			now.UnixMilli(), id)
		if err != nil {
			return fmt.Errorf("mark bounced: %w", err)
		}
		if err := recordEvent(ctx, tx, id, departure(now, StatusBounced, channel)); err != nil {
			return err
		}
	}
	res.Status = StatusBounced
	return tx.QueryRowContext(ctx, `SELECT soft_bounces FROM subscribers WHERE id = ?`, id).Scan(&res.SoftBounces)
}
