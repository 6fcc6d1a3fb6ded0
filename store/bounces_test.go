package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestBounces(t *testing.T) {
	tests := []struct {
		name       string
		kinds      []string
		status     string // after the last report
		suppressed bool
		channel    string
	}{
		{"hard suppresses at once", []string{"hard"}, store.StatusBounced, true, "bounce"},
		{"complaint suppresses at once", []string{"complaint"}, store.StatusBounced, true, "complaint"},
		{"two soft are counted", []string{"soft", "soft"}, store.StatusActive, false, ""},
		{"three soft suppress", []string{"soft", "soft", "soft"}, store.StatusBounced, true, "bounce"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			ctx := context.Background()
			sub := activeSubscriber(t, s, "box@example.org")
			var res store.BounceResult
			var err error
			for _, k := range tt.kinds {
				if res, err = s.Bounce(ctx, "Box@example.org", k); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.Subscriber(ctx, sub.ID)
			if got.Status != tt.status || got.UnsubscribeChannel != tt.channel || res.Suppressed != tt.suppressed || !res.Known {
				t.Fatalf("got %+v / %+v", got, res)
			}
			if ok, _ := s.IsSuppressed(ctx, "box@example.org"); ok != tt.suppressed {
				t.Fatalf("suppressed = %v", ok)
			}
		})
	}
}

func TestBounceOfUnknownAddress(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if res, err := s.Bounce(ctx, "ghost@example.org", "soft"); err != nil || res.Known || res.Suppressed {
		t.Fatalf("soft: %+v %v", res, err)
	}
	if res, err := s.Bounce(ctx, "ghost@example.org", "hard"); err != nil || res.Known || !res.Suppressed {
		t.Fatalf("hard: %+v %v", res, err)
	}
	if ok, _ := s.IsSuppressed(ctx, "ghost@example.org"); !ok {
		t.Fatal("not suppressed")
	}
	if _, err := s.Bounce(ctx, "ghost@example.org", "bounced"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad kind: %v", err)
	}
}
