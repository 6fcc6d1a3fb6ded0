package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/caravan-news/caravan/store"
)

func nowFixed() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

func TestTokens(t *testing.T) {
	s := store.NewSigner("secret", nowFixed)
	tok := s.Make(store.PurposeConfirm, 7, time.Hour)
	if id, err := s.Verify(store.PurposeConfirm, tok); err != nil || id != 7 {
		t.Fatalf("verify: %d %v", id, err)
	}
	if _, err := s.Verify(store.PurposeUnsubscribe, tok); !errors.Is(err, store.ErrTokenInvalid) {
		t.Fatalf("other purpose: %v", err)
	}
	other := store.NewSigner("other secret", nowFixed)
	if _, err := other.Verify(store.PurposeConfirm, tok); !errors.Is(err, store.ErrTokenInvalid) {
		t.Fatalf("other key: %v", err)
	}
	later := store.NewSigner("secret", func() time.Time { return nowFixed().Add(2 * time.Hour) })
	if id, err := later.Verify(store.PurposeConfirm, tok); !errors.Is(err, store.ErrTokenExpired) || id != 7 {
		t.Fatalf("expired: %d %v", id, err)
	}
	// Changing any one character breaks the token.
	for i := range tok {
		b := []byte(tok)
		b[i] ^= 1
		if _, err := s.Verify(store.PurposeConfirm, string(b)); err == nil {
			t.Fatalf("tampered byte %d verified", i)
		}
	}
	if s.Make(store.PurposeUnsubscribe, 7, 0) == s.Make(store.PurposeUnsubscribe, 8, 0) {
		t.Fatal("two subscribers share a token")
	}
}
