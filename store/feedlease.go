package store

import (
	"context"
	"fmt"
	"time"
)

// LeaseFeed gives owner, a name unique to one poller, the poll of feed id for
// lease, so that of several instances on one database one polls each feed.
// ok is false, and nothing changes, when another owner's lease has not ended,
// when the feed was polled less than fresh ago (0: however recently), or when
// the feed is retired. The lease ends at ReleaseFeed, or by itself.
func (s *Store) LeaseFeed(ctx context.Context, id int64, owner string, lease, fresh time.Duration) (ok bool, err error) {
	now := s.nowMS()
	// One guarded UPDATE: on PostgreSQL a second instance's UPDATE waits for the
	// first's commit and then reads the lease it took; on SQLite the one writer
	// orders them.
	res, err := s.w.ExecContext(ctx, `UPDATE feeds SET poll_owner = ?, poll_until = ?
		WHERE id = ? AND retired_at IS NULL AND (poll_until <= ? OR poll_owner = ?)
		AND COALESCE(last_polled_at, 0) <= ?`,
		owner, now+lease.Milliseconds(), id, now, owner, now-fresh.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("lease feed %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lease feed %d: %w", id, err)
	}
	return n == 1, nil
}

// ReleaseFeed ends owner's lease on feed id, if owner still holds it, so that
// another instance may poll the feed at once (after a shutdown, say).
func (s *Store) ReleaseFeed(ctx context.Context, id int64, owner string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE feeds SET poll_owner = '', poll_until = 0
		WHERE id = ? AND poll_owner = ?`, id, owner); err != nil {
		return fmt.Errorf("release feed %d: %w", id, err)
	}
	return nil
}
