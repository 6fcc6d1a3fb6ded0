package store_test

import (
	"errors"
	"testing"

	"github.com/caravan-news/caravan/store"
)

// FuzzTokenTamper changes one byte of a genuine unsubscribe or preferences
// token, or cuts it, or adds to it: whatever the change, the result must not
// verify, neither for its own purpose nor for another, so that no link can be
// forged or turned into another person's.
func FuzzTokenTamper(f *testing.F) {
	f.Add(uint64(1), uint(0), byte(1), uint8(0), false)
	f.Add(uint64(7), uint(5), byte(0x20), uint8(0), true)
	f.Add(uint64(1<<40), uint(21), byte(0xff), uint8(0), false)
	f.Add(uint64(123456), uint(0), byte(0), uint8(3), false) // cut three characters
	f.Add(uint64(99), uint(0), byte(0), uint8(200), true)    // cut past the length
	f.Add(uint64(1<<62), uint(1000), byte('A'), uint8(0), true)
	signer := store.NewSigner("fuzz secret", nowFixed)
	f.Fuzz(func(t *testing.T, id uint64, pos uint, xor byte, cut uint8, prefs bool) {
		id = id%(1<<62) + 1
		purpose := store.PurposeUnsubscribe
		if prefs {
			purpose = store.PurposePreferences
		}
		tok := signer.Make(purpose, int64(id), 0)
		if got, err := signer.Verify(purpose, tok); err != nil || got != int64(id) {
			t.Fatalf("genuine token for %d: %d %v", id, got, err)
		}
		b := []byte(tok)
		switch {
		case cut > 0:
			b = b[:len(b)-min(int(cut), len(b))]
		case xor != 0:
			b[pos%uint(len(b))] ^= xor
		default:
			b = append(b, byte('A'+pos%26))
		}
		bad := string(b)
		for _, p := range []store.Purpose{store.PurposeUnsubscribe, store.PurposePreferences, store.PurposeConfirm} {
			if got, err := signer.Verify(p, bad); !errors.Is(err, store.ErrTokenInvalid) {
				t.Fatalf("tampered %q (from %q) verified for %c: id %d, err %v", bad, tok, p, got, err)
			}
		}
	})
}
