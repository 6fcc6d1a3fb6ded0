package main

import (
	"context"
	"time"
)

// reconsentLoop runs the re-consent cycle at start and then daily: it asks the
// subscribers quiet for longer than --reconsent-after to renew their consent,
// and unsubscribes those who did not answer within store.ReconsentGrace.
func reconsentLoop(ctx context.Context, p *parts) {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		if asked, err := p.store.AskReconsent(ctx, p.cfg.ReconsentAfter); err != nil {
			p.log.Error("re-consent", "err", err)
		} else if asked > 0 {
			p.log.Info("re-consent mails queued", "count", asked)
		}
		if removed, err := p.store.ExpireReconsent(ctx); err != nil {
			p.log.Error("re-consent expiry", "err", err)
		} else if removed > 0 {
			p.log.Info("unsubscribed without re-consent", "count", removed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
