package bounce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/caravan-news/caravan/store"
)

// Recorder is what the intake needs of the store: the same Bounce as the
// admin webhook, and the subscriber a signed id names.
type Recorder interface {
	Bounce(ctx context.Context, email, kind string) (store.BounceResult, error)
	Subscriber(ctx context.Context, id int64) (store.Subscriber, error)
}

// Intake turns reports into bounces.
type Intake struct {
	Store Recorder
	Links *store.Signer
	// ReturnPath is CARAVAN_RETURN_PATH, the base of the VERP addresses; empty
	// when VERP is off (then only signed unsubscribe links name subscribers).
	ReturnPath string
	Log        *slog.Logger
}

// Outcome says what one message did.
type Outcome struct {
	Report     *Report
	Subscriber int64 // 0: the report named nobody Caravan signed for
	Result     store.BounceResult
	Recorded   bool // a bounce or complaint was recorded
}

// Handle parses raw and records the bounce or complaint it reports. A message
// that is not a report returns ErrNotReport; a report that names no subscriber
// with a valid signature, or that asks for nothing, records nothing and
// returns no error. Only store failures are worth retrying.
func (in *Intake) Handle(ctx context.Context, raw []byte) (Outcome, error) {
	rep, err := Parse(raw)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Report: rep, Subscriber: in.subscriber(rep)}
	log := in.Log.With("kind", rep.Kind, "status", rep.Status)
	if out.Subscriber == 0 {
		log.Warn("bounce report ignored: it names no subscriber with a valid signature", "claims_domain", domainOf(rep.Recipient))
		return out, nil
	}
	if rep.Kind == "" {
		log.Info("bounce report asks nothing (delay, success, or a refusal not about the mailbox)", "subscriber", out.Subscriber)
		log.Debug("bounce reason", "reason", rep.Reason)
		return out, nil
	}
	sub, err := in.Store.Subscriber(ctx, out.Subscriber)
	if errors.Is(err, store.ErrNotFound) {
		log.Info("bounce report for a subscriber no longer on the list", "subscriber", out.Subscriber)
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("bounce report: %w", err)
	}
	if out.Result, err = in.Store.Bounce(ctx, sub.Email, rep.Kind); err != nil {
		return out, fmt.Errorf("bounce report: %w", err)
	}
	out.Recorded = true
	log.Info("bounce", "source", "mailbox", "subscriber", out.Subscriber, "domain", domainOf(sub.Email),
		"suppressed", out.Result.Suppressed)
	log.Debug("bounce reason", "reason", rep.Reason)
	return out, nil
}

// subscriber returns the subscriber a signature in rep names, or 0.
func (in *Intake) subscriber(rep *Report) int64 {
	if in.ReturnPath != "" {
		for _, a := range rep.Addresses {
			if id, err := in.Links.VERPSubscriber(in.ReturnPath, a); err == nil {
				return id
			}
		}
	}
	for _, raw := range rep.Unsubscribe {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		_, token, ok := strings.Cut(u.Path, "/unsubscribe/")
		if !ok {
			continue
		}
		if id, err := in.Links.Verify(store.PurposeUnsubscribe, strings.Trim(token, "/")); err == nil {
			return id
		}
	}
	return 0
}

// domainOf is what of an address may be logged: its domain.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}
