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
	leaver
	preferencer
	adminSubscribers
	csvPorter
	bouncer
	suppressionKeeper
	statsReader
	manager
	deskStore
	webhookLister
}

type subscriber interface {
	Subscribe(ctx context.Context, in store.Signup) (store.SignupResult, error)
}

type confirmer interface {
	ConfirmSignup(ctx context.Context, id int64, by store.Consent) (store.Subscriber, error)
	ResendSignup(ctx context.Context, id int64) (bool, error)
	Confirm(ctx context.Context, id int64) (store.Subscriber, error)
	ResendConfirmation(ctx context.Context, id int64) (bool, error)
}

// DigestStarter starts a digest run on demand and lists the runs (the admin API).
type DigestStarter interface {
	// Start starts the run of frequency's current slot in the background;
	// started is false when that run is done or running elsewhere.
	Start(ctx context.Context, frequency string) (run store.Run, started bool, err error)
	Runs(ctx context.Context, limit int) ([]store.Run, error)
}
