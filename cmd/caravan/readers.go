package main

import (
	"context"
	"time"

	"github.com/caravan-news/caravan/digest"
)

// RemindAfter is how long a signup stays unconfirmed before its one reminder.
const RemindAfter = 48 * time.Hour

// remindPending queues the one reminder of each signup unconfirmed for
// RemindAfter, as long as its confirmation link would still be young enough
// to matter (digest.ConfirmTTL).
func remindPending(ctx context.Context, p *parts) {
	if n, err := p.store.QueueReminders(ctx, RemindAfter, digest.ConfirmTTL); err != nil {
		p.log.Error("queue reminders", "err", err)
	} else if n > 0 {
		p.log.Info("reminded unconfirmed sign-ups", "count", n)
	}
}
