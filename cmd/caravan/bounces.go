package main

import (
	"github.com/caravan-news/caravan/mailer/bounce"
)

// bouncePoller reads CARAVAN_BOUNCE_MAILBOX for bounce and complaint reports,
// or is nil when none is set.
func (p *parts) bouncePoller() (*bounce.Poller, error) {
	if p.cfg.BounceMailbox == "" {
		return nil, nil
	}
	mb, err := bounce.ParseMailbox(p.cfg.BounceMailbox)
	if err != nil {
		return nil, err
	}
	intake := &bounce.Intake{Store: p.store, Links: p.links, ReturnPath: p.cfg.ReturnPath, Log: p.log}
	return &bounce.Poller{Mailbox: mb, Intake: intake, Interval: p.cfg.BouncePoll, Log: p.log}, nil
}
