package server

import (
	"context"

	"github.com/caravan-news/caravan/store"
)

// Store is everything the handlers ask of the store; each handler takes the
// smaller interface it needs, and the concrete *store.Store satisfies them all.
type Store interface {
	pinger
	subscriber
	confirmer
	articleAdder
	articleLister
}

type subscriber interface {
	Subscribe(ctx context.Context, in store.Signup) (store.SignupResult, error)
}

type confirmer interface {
	Confirm(ctx context.Context, id int64) (store.Subscriber, error)
	ResendConfirmation(ctx context.Context, id int64) (bool, error)
}

// DigestStarter starts a digest run on demand (the admin API).
type DigestStarter interface {
	Start(ctx context.Context, frequency string) (runID int64, err error)
}
