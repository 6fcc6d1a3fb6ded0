package digest

import (
	"context"
	"sync"
)

// gate asks the store, right before each send, whether the reader may still
// be mailed (see store.Mailable): a reader who unsubscribes, is erased or
// bounces while a page of the run is being sent gets nothing from it once
// that is committed. The sending goroutines ask at once; the gate answers
// them together, one query for all those waiting, and a request that comes
// while a query runs waits for the next one, so every answer was read after
// its question was asked.
type gate struct {
	mailable func(ctx context.Context, ids []int64) (map[int64]bool, error)

	mu      sync.Mutex
	waiting []gateAsk
	busy    bool
}

type gateAsk struct {
	id    int64
	reply chan<- gateReply
}

type gateReply struct {
	ok  bool
	err error
}

// allow tells whether subscriber id may be sent their digest now.
func (g *gate) allow(ctx context.Context, id int64) (bool, error) {
	reply := make(chan gateReply, 1)
	g.mu.Lock()
	g.waiting = append(g.waiting, gateAsk{id: id, reply: reply})
	if !g.busy {
		g.busy = true
		go g.answer(context.WithoutCancel(ctx))
	}
	g.mu.Unlock()
	r := <-reply
	return r.ok, r.err
}

// answer runs queries until nobody waits.
func (g *gate) answer(ctx context.Context) {
	for {
		g.mu.Lock()
		asks := g.waiting
		g.waiting = nil
		if len(asks) == 0 {
			g.busy = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		ids := make([]int64, len(asks))
		for i, a := range asks {
			ids[i] = a.id
		}
		ok, err := g.mailable(ctx, ids)
		for _, a := range asks {
			a.reply <- gateReply{ok: ok[a.id], err: err}
		}
	}
}
