package main

import (
	"github.com/caravan-news/caravan/mailer/bounce"
	"github.com/caravan-news/caravan/mailer/webhook"
	"github.com/caravan-news/caravan/server"
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

// relays are the relays' own bounce webhooks, each set up when its key is set
// (SES needs none: SNS messages carry their certificate's address).
func (p *parts) relays() (server.Relays, error) {
	r := server.Relays{SNS: &bounce.SNS{}}
	if p.cfg.MailgunKey != "" {
		r.Mailgun = &bounce.Mailgun{SigningKey: p.cfg.MailgunKey}
	}
	if p.cfg.SendGridKey != "" {
		key, err := bounce.ParseSendGridKey(p.cfg.SendGridKey)
		if err != nil {
			return r, err
		}
		r.SendGrid = &bounce.SendGrid{PublicKey: key}
	}
	return r, nil
}

// webhookSender posts the queued subscriber events to CARAVAN_WEBHOOK_URL, or
// is nil when none is set.
func (p *parts) webhookSender() *webhook.Sender {
	if p.cfg.WebhookURL == "" {
		return nil
	}
	secret, _ := webhook.ParseSecret(p.cfg.WebhookSecret) // checked by resolve
	return &webhook.Sender{URL: p.cfg.WebhookURL, Secret: secret, Queue: p.store, Log: p.log}
}
