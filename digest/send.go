package digest

import (
	"context"
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
		attempts, err := s.deliver(ctx, msg)
		if attempts == 0 { // ctx ended before the first attempt: nothing was sent
			s.skipped.Add(1)
			continue
		}
		d := store.Delivery{SubscriberID: j.sub.ID, Articles: j.sel.Total, Attempts: attempts, MessageID: msg.GetMessageID()}
		switch {
		case err == nil:
			d.Status = store.DeliverySent
		case mailer.IsPermanent(err):
			d.Status, d.Error = store.DeliveryFailedPerm, err.Error()
			s.log.Info("digest refused for good: address bounced", "subscriber_id", j.sub.ID, "err", err)
		default:
			d.Status, d.Error = store.DeliveryFailedTemp, err.Error()
			s.log.Warn("digest not delivered, left for the next run", "subscriber_id", j.sub.ID, "attempts", attempts, "err", err)
		}
		prev = make(chan error, 1)
		s.results <- outcome{d: d, done: prev}
	}
}

// deliver sends m under the rate ceiling, trying again after temporary
// failures with a doubling backoff, up to Tries attempts. The transaction
// itself runs to its end even when ctx ends, so that what the server accepted
// is known and recorded; ctx only cuts waits short.
func (s *sending) deliver(ctx context.Context, m *gomail.Msg) (attempts int, err error) {
	tries := orDefault(s.w.Tries, 3)
	wait := orDefault(s.w.Backoff, 2*time.Second)
	for {
		if werr := s.limiter.Wait(ctx); werr != nil {
			if err == nil {
				err = werr
			}
			return attempts, err
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
