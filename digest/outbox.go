package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
)

// OutboxStore is what the outbox sender needs of the store.
type OutboxStore interface {
	ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]store.OutboxMail, error)
	MailSent(ctx context.Context, id int64) error
	MailFailed(ctx context.Context, id int64, cause error, retryAt time.Time) error
	Subscriber(ctx context.Context, id int64) (store.Subscriber, error)
	Signup(ctx context.Context, id int64) (store.PendingSignup, error)
	LatestArticles(ctx context.Context, limit int) ([]store.Article, error)
	Now() time.Time
}

// Outbox delivers the one-off mails that requests queue (confirmations): a request
// only records the mail, so a slow or absent SMTP server never slows a signup,
// and a crash loses nothing, since a claimed mail is due again when its lease ends.
type Outbox struct {
	Store    OutboxStore
	Sender   mailer.Sender
	Compose  *Composer
	Schedule Schedule // when digests go out, told in welcome mails
	Log      *slog.Logger
	Interval time.Duration // how often to look for due mail (default 1s)
	MaxTries int           // attempts before giving up on a mail (default 10)
}

// Run delivers due mail until ctx is cancelled; a batch in progress is finished first.
func (o *Outbox) Run(ctx context.Context) {
	interval := o.Interval
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		// Deliveries in flight use a context that outlives ctx, so that a shutdown
		// finishes the current batch instead of abandoning messages half-sent.
		if _, err := o.Flush(context.WithoutCancel(ctx)); err != nil {
			o.Log.Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Flush delivers every mail due now and returns how many were sent.
func (o *Outbox) Flush(ctx context.Context) (int, error) {
	sent := 0
	for {
		batch, err := o.Store.ClaimMail(ctx, 50, 5*time.Minute)
		if err != nil {
			return sent, err
		}
		if len(batch) == 0 {
			return sent, nil
		}
		for _, m := range batch {
			if err := o.deliver(ctx, m); err != nil {
				o.Log.Warn("outbox delivery failed", "mail_id", m.ID, "kind", m.Kind, "attempt", m.Attempts, "err", err)
				continue
			}
			sent++
		}
	}
}

func (o *Outbox) deliver(ctx context.Context, m store.OutboxMail) error {
	msg, err := o.build(ctx, m)
	if errors.Is(err, store.ErrNotFound) {
		return o.Store.MailFailed(ctx, m.ID, err, time.Time{})
	}
	if err == nil {
		err = o.Sender.Send(ctx, msg)
	}
	if err == nil {
		return o.Store.MailSent(ctx, m.ID)
	}
	retry := time.Time{}
	maxTries := o.MaxTries
	if maxTries <= 0 {
		maxTries = 10
	}
	if !mailer.IsPermanent(err) && m.Attempts < maxTries {
		retry = o.Store.Now().Add(backoff(m.Attempts))
	}
	if ferr := o.Store.MailFailed(ctx, m.ID, err, retry); ferr != nil {
		return errors.Join(err, ferr)
	}
	return err
}

func (o *Outbox) build(ctx context.Context, m store.OutboxMail) (*gomail.Msg, error) {
	if m.SignupID != 0 && (m.Kind == store.MailConfirm || m.Kind == store.MailReminder) {
		p, err := o.Store.Signup(ctx, m.SignupID)
		switch {
		case err != nil:
			return nil, err
		case m.Kind == store.MailConfirm:
			return o.Compose.ConfirmSignup(p, o.Store.Now())
		default:
			return o.Compose.RemindSignup(p, o.Store.Now())
		}
	}
	sub, err := o.Store.Subscriber(ctx, m.SubscriberID)
	if err != nil {
		return nil, err
	}
	switch m.Kind {
	case store.MailConfirm:
		return o.Compose.Confirm(sub, o.Store.Now())
	case store.MailReconsent:
		return o.Compose.Reconsent(sub, o.Store.Now())
	case store.MailWelcome:
		return o.welcome(ctx, sub)
	case store.MailReminder:
		return o.Compose.Reminder(sub, o.Store.Now())
	case store.MailManage:
		return o.Compose.ManageLink(sub, o.Store.Now())
	}
	return nil, fmt.Errorf("outbox mail %d: unknown kind %q", m.ID, m.Kind)
}

// backoff waits 30 s after the first failure, doubling up to 2 h.
func backoff(attempt int) time.Duration {
	d := 30 * time.Second << min(attempt-1, 8)
	return min(d, 2*time.Hour)
}
