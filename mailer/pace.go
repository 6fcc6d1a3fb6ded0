package mailer

import "golang.org/x/time/rate"

// NewLimiter returns the send-rate ceiling of one relay: at most perSecond
// messages a second, one at a time; 0 means no ceiling. A process builds one
// per relay and gives it to everything that sends through that relay (every
// digest run, however many start or join at once, and the outbox), so that the
// ceiling holds for the process as a whole, not for each of them.
func NewLimiter(perSecond float64) *rate.Limiter {
	if perSecond <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(rate.Limit(perSecond), 1)
}
