package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Signups are written by group commit: one goroutine takes every signup waiting
// and writes them in one transaction. SQLite has one writer and a commit costs
// far more than the few rows of a signup, so under load many signups share one
// commit, and at rest a lone signup is written at once, without waiting for company.

// maxSignupBatch bounds a group commit, so that no request waits behind too many others.
const maxSignupBatch = 256

// pgBatchers is how many batches are written at once on PostgreSQL, which,
// unlike SQLite, runs writers side by side: each batch waits for the network
// between its statements, and the others use that time. Two batches holding
// the same address meet on its unique key; the loser retries its signups one
// by one (see writeBatch) and finds the row.
const pgBatchers = pgPoolSize / 2

type signupReq struct {
	ctx  context.Context
	in   Signup
	done chan signupAns
}

type signupAns struct {
	res SignupResult
	err error
}

func (s *Store) startBatcher() {
	s.signups = make(chan signupReq, maxSignupBatch)
	s.done = make(chan struct{})
	n := 1
	if s.pg {
		n = pgBatchers
	}
	var wg sync.WaitGroup
	for range n {
		wg.Go(s.batchLoop)
	}
	go func() { wg.Wait(); close(s.done) }()
}

func (s *Store) stopBatcher() {
	if s.signups == nil {
		return
	}
	close(s.signups)
	<-s.done
	s.signups = nil
}

// batchSignup hands one signup to the batcher and waits for its outcome.
func (s *Store) batchSignup(ctx context.Context, in Signup) (SignupResult, error) {
	req := signupReq{ctx: ctx, in: in, done: make(chan signupAns, 1)}
	select {
	case s.signups <- req:
	case <-ctx.Done():
		return SignupResult{}, ctx.Err()
	}
	// Once handed over, the signup is written whatever happens to ctx, so wait for it:
	// answering early would let a caller believe a stored signup was lost.
	ans := <-req.done
	return ans.res, ans.err
}

func (s *Store) batchLoop() {
	batch := make([]signupReq, 0, maxSignupBatch)
	for first := range s.signups {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxSignupBatch {
			select {
			case r, ok := <-s.signups:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.writeBatch(batch)
	}
}

// writeBatch writes the batch in one transaction. Should that fail, each signup
// is retried in a transaction of its own, so that one bad signup fails alone.
func (s *Store) writeBatch(batch []signupReq) {
	now := s.now()
	answers := make([]signupAns, len(batch))
	ctx := context.Background()
	err := s.write(ctx, func(tx *sql.Tx) error {
		signups := 0
		for i, r := range batch {
			res, err := s.subscribeTx(ctx, hotTx{tx, s.hot}, now, r.in, &signups)
			if err != nil {
				return err
			}
			answers[i] = signupAns{res: res}
		}
		return bumpN(ctx, tx, now, "signup", signups)
	})
	if err == nil || len(batch) == 1 {
		for i, r := range batch {
			if err != nil {
				answers[i] = signupAns{err: err}
			}
			r.done <- answers[i]
		}
		return
	}
	for _, r := range batch {
		var res SignupResult
		err := s.write(ctx, func(tx *sql.Tx) error {
			var err error
			res, err = s.subscribeTx(ctx, tx, now, r.in, nil)
			return err
		})
		r.done <- signupAns{res: res, err: errors.Join(err)}
	}
}
