package digest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/caravan-news/caravan/mailer"
)

// DefaultStopAfter is how many permanent refusals in a row stop a run: past
// that, the relay refuses everything (a policy, a block list, a broken
// configuration), and going on would burn through the list for nothing.
const DefaultStopAfter = 20

// ErrRunStopped is why a run stopped before its end: the relay refused
// Caravan's credentials, or refused too many messages in a row. The run is
// left to resume once the cause is fixed.
var ErrRunStopped = errors.New("digest run stopped")

// breaker watches a run's sends and stops the run, saying why, at the first
// authentication failure or after limit permanent refusals in a row.
type breaker struct {
	limit int
	stop  context.CancelCauseFunc

	mu     sync.Mutex
	inARow int
	last   error
	why    error
}

func newBreaker(limit int, stop context.CancelCauseFunc) *breaker {
	return &breaker{limit: limit, stop: stop}
}

// observe judges the outcome of one message's sending.
func (b *breaker) observe(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch mailer.Classify(err) {
	case mailer.FailNone:
		b.inARow = 0
		return
	case mailer.FailAuth:
		b.trip(fmt.Errorf("%w: the relay refused Caravan's credentials (check CARAVAN_SMTP_URL): %v", ErrRunStopped, err))
	case mailer.FailMessage, mailer.FailMailbox:
		b.inARow++
		b.last = err
		if b.inARow >= b.limit {
			b.trip(fmt.Errorf("%w: %d messages in a row refused for good, the last with: %v", ErrRunStopped, b.inARow, b.last))
		}
	}
}

func (b *breaker) trip(why error) {
	if b.why == nil {
		b.why = why
		b.stop(why)
	}
}

// cause is why the run was stopped, or nil.
func (b *breaker) cause() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.why
}
