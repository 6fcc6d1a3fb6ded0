package digest

import (
	"context"
	"errors"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/caravan-news/caravan/mailer"
	"github.com/caravan-news/caravan/store"
)

// loop sends the digests of jobs until jobs is closed. Once ctx ends, queued
// jobs are dropped unsent (the resumed run sends them); a message already
// handed to the mailer is finished and recorded.
func (s *sending) loop(ctx context.Context, jobs <-chan job) {
	var prev chan error // the ledger write of this goroutine's previous message
	defer func() {
		if prev != nil {
			<-prev
		}
	}()
	for j := range jobs {
		if ctx.Err() != nil {
			s.skipped.Add(1)
			continue
		}
		msg, err := s.w.Compose.digest(s.cache, s.run.ID, j.sub, j.sel.Articles, j.sel.More(), s.w.Store.Now())
		if err != nil {
			s.log.Error("digest not rendered", "subscriber_id", j.sub.ID, "err", err)
			s.results <- outcome{d: store.Delivery{SubscriberID: j.sub.ID, Status: store.DeliveryFailedTemp, Error: err.Error()}}
			continue
		}
		// Send again only once the previous message is in the ledger: a crash
		// then leaves at most one accepted but unrecorded message per goroutine.
		if prev != nil {
			err := <-prev
			prev = nil
			if err != nil {
				s.skipped.Add(1)
				return
			}
		}
		d, ok := s.send(ctx, j, msg)
		if !ok {
			continue
		}
		prev = make(chan error, 1)
		s.settle(d, prev)
	}
}

// send delivers j's message and returns its outcome; ok is false when there
// is nothing to record: ctx ended before the first attempt, or the reader is
// no longer this process's to serve.
func (s *sending) send(ctx context.Context, j job, msg *gomail.Msg) (d store.Delivery, ok bool) {
	d = store.Delivery{SubscriberID: j.sub.ID, Articles: j.sel.Total, MessageID: msg.GetMessageID()}
	attempts, err := s.deliver(ctx, j.sub.ID, msg)
	d.Attempts = attempts
	if attempts > 0 && !errors.Is(err, errFenced) && !errors.Is(err, errWithheld) {
		s.breaker.observe(err)
	}
	switch {
	case errors.Is(err, errFenced):
		s.fenced.Add(1)
		s.log.Debug("digest not sent: another process holds it now", "subscriber_id", j.sub.ID, "err", err)
		return d, false
	case errors.Is(err, errWithheld):
		d.Status = store.DeliveryWithheld
		s.log.Info("digest withheld: the reader left or was suppressed during the run", "subscriber_id", j.sub.ID)
	case attempts == 0: // ctx ended before the first attempt: nothing was sent
		s.skipped.Add(1)
		return d, false
	case err == nil:
		d.Status = store.DeliverySent
	case mailer.IsBounce(err):
		d.Status, d.Error, d.Bounce = store.DeliveryFailedPerm, err.Error(), true
		s.log.Info("digest refused for good: address bounced", "subscriber_id", j.sub.ID, "err", err)
	case mailer.IsPermanent(err):
		d.Status, d.Error = store.DeliveryFailedPerm, err.Error()
		s.log.Warn("digest refused for good, the address kept: not a mailbox error", "subscriber_id", j.sub.ID, "err", err)
	default:
		d.Status, d.Error = store.DeliveryFailedTemp, err.Error()
		s.log.Warn("digest not delivered, left for a retry pass", "subscriber_id", j.sub.ID, "attempts", attempts, "err", err)
	}
	return d, true
}

// settle hands an outcome to the ledger; done receives the write's error.
// Rules that judge the run by its outcomes (such as stopping it) belong here.
func (s *sending) settle(d store.Delivery, done chan<- error) {
	s.results <- outcome{d: d, done: done}
}

// errWithheld is why a digest was not sent: the reader may not be mailed any more.
var errWithheld = errors.New("digest: reader left or suppressed")

// deliver sends m to subscriber id under the rate ceiling, trying again after
// temporary failures with a doubling backoff, up to Tries attempts. Right
// before each attempt it checks that this process still holds the reader
// (errFenced otherwise) and that the reader may still be mailed (errWithheld
// otherwise). The transaction itself runs to its end even when ctx ends, so
// that what the server accepted is known and recorded; ctx only cuts waits
// short.
func (s *sending) deliver(ctx context.Context, id int64, m *gomail.Msg) (attempts int, err error) {
	tries := orDefault(s.w.Tries, 3)
	wait := orDefault(s.w.Backoff, 2*time.Second)
	for {
		if werr := s.limiter.Wait(ctx); werr != nil {
			if err == nil {
				err = werr
			}
			return attempts, err
		}
		if ferr := s.fence.pass(ctx, id); ferr != nil {
			if err == nil || errors.Is(ferr, errFenced) {
				err = ferr
			}
			return attempts, err
		}
		ok, gerr := s.gate.allow(ctx, id)
		switch {
		case gerr != nil:
			return max(attempts, 1), fmt.Errorf("checking the reader's status: %w", gerr)
		case !ok:
			return attempts, errWithheld
		}
		attempts++
		err = s.w.Sender.Send(context.WithoutCancel(ctx), m)
		if err == nil || mailer.IsPermanent(err) || attempts >= tries {
			return attempts, err
		}
		s.log.Debug("digest send failed, will retry", "attempt", attempts, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempts, err
		case <-t.C:
		}
		wait *= 2
	}
}
