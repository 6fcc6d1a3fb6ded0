package main

import (
	"context"
	"time"

	"github.com/caravan-news/caravan/mailer/bounce"
)

// complaintLoop warns in the log when today's complaint rate passes 0.1 %
// and 0.3 % (see bounce.RateWatch), looking every few minutes.
func complaintLoop(ctx context.Context, p *parts) {
	w := &bounce.RateWatch{Log: p.log}
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if days, err := p.store.DayCounts(ctx, 1); err != nil {
			p.log.Error("complaint rate", "err", err)
		} else {
			w.Check(days[0])
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
