package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	gomail "github.com/wneessen/go-mail"
	"golang.org/x/time/rate"

	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
)

// OutboxStore is what the outbox sender needs of the store.
type OutboxStore interface {
	ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]store.OutboxMail, error)
	ReleaseMail(ctx context.Context, ids []int64) error
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
	Limiter  *rate.Limiter // the relay's send-rate ceiling, shared with the digests; nil: none
	Interval time.Duration // how often to look for due mail (default 1s)
	MaxTries int           // attempts before giving up on a mail (default 10)
	Grace    time.Duration // how long the mail in flight may take once ctx ends (default 5s)
}

// outboxBatch is how many mails one claim takes; outboxLease is how long they
// stay claimed if the process dies before it reports on them.
const (
	outboxBatch = 50
	outboxLease = 5 * time.Minute
)

// Run delivers due mail until ctx is cancelled. Then it stops within Grace: the
// mail in flight is finished (or, past Grace, cut off and retried at the next
// start), and the rest of the queue stays for the next start, due at once.
func (o *Outbox) Run(ctx context.Context) {
	interval := o.Interval
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := o.Flush(ctx); err != nil && ctx.Err() == nil {
			o.Log.Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Flush delivers the mail due now, batch after batch, and returns how many were
// sent. When ctx ends it stops after the mail in flight and gives the rest of
// its batch back to the queue.
func (o *Outbox) Flush(ctx context.Context) (int, error) {
	sent := 0
	for ctx.Err() == nil {
		batch, err := o.Store.ClaimMail(ctx, outboxBatch, outboxLease)
		if err != nil {
			return sent, err
		}
		if len(batch) == 0 {
			return sent, nil
		}
		for i, m := range batch {
			if ctx.Err() == nil && o.Limiter != nil {
				_ = o.Limiter.Wait(ctx) // fails only as ctx ends, checked below
			}
			if ctx.Err() != nil {
				return sent, o.release(ctx, batch[i:])
			}
			if err := o.deliver(ctx, m); err != nil {
				o.Log.Warn("outbox delivery failed", "mail_id", m.ID, "kind", m.Kind, "attempt", m.Attempts, "err", err)
				continue
			}
			sent++
		}
	}
	return sent, nil
}

// release gives claimed mails back to the queue, due at once, as a shutdown
// leaves them: the next start sends them without waiting for their lease.
func (o *Outbox) release(ctx context.Context, ms []store.OutboxMail) error {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := o.Store.ReleaseMail(rctx, ids); err != nil {
		return fmt.Errorf("outbox: give back %d mails: %w", len(ids), err)
	}
	return nil
}

// deliver builds and sends m and records the outcome. The send may go on for
// Grace after ctx ends, so that a shutdown finishes the mail in flight rather
// than cutting it; what is recorded is recorded even then.
func (o *Outbox) deliver(ctx context.Context, m store.OutboxMail) error {
	bg := context.WithoutCancel(ctx)
	sendCtx, cancel := context.WithCancel(bg)
	defer cancel()
	grace := o.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	defer stop()

	msg, err := o.build(sendCtx, m)
	if errors.Is(err, store.ErrNotFound) {
		return o.Store.MailFailed(bg, m.ID, err, time.Time{})
	}
	if err == nil {
		err = o.Sender.Send(sendCtx, msg)
	}
	if err == nil {
		return o.Store.MailSent(bg, m.ID)
	}
	retry := time.Time{}
	maxTries := o.MaxTries
	if maxTries <= 0 {
		maxTries = 10
	}
	switch {
	case sendCtx.Err() != nil:
		retry = o.Store.Now() // cut off by the shutdown: not the relay's fault, due at the next start
	case !mailer.IsPermanent(err) && m.Attempts < maxTries:
		retry = o.Store.Now().Add(backoff(m.Attempts))
	}
	if ferr := o.Store.MailFailed(bg, m.ID, err, retry); ferr != nil {
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
