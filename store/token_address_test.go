package store

import (
	"strings"
	"testing"
	"time"
)

func TestAddressToken(t *testing.T) {
	s := NewSigner("a secret long enough for the test, really", time.Now)
	tok := s.MakeAddress(PurposeBounce, 4242)
	if len(tok) > 40 || strings.ToLower(tok) != tok || strings.ContainsAny(tok, "+=/_-") {
		t.Fatalf("token %q does not fit a local part", tok)
	}
	for _, tc := range []struct {
		name, tok string
		p         Purpose
		ok        bool
	}{
		{"as made", tok, PurposeBounce, true},
		{"upper-cased by a relay", strings.ToUpper(tok), PurposeBounce, true},
		{"other purpose", tok, PurposeUnsubscribe, false},
		{"one letter changed", tok[:10] + string('a'+(tok[10]-'a'+1)%26) + tok[11:], PurposeBounce, false},
		{"cut", tok[:20], PurposeBounce, false},
		{"link token", s.Make(PurposeBounce, 4242, 0), PurposeBounce, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := s.VerifyAddress(tc.p, tc.tok)
			if tc.ok != (err == nil) || (tc.ok && id != 4242) {
				t.Fatalf("VerifyAddress(%q) = %d, %v", tc.tok, id, err)
			}
		})
	}
	other := NewSigner("another secret, as long as the first one", time.Now)
	if _, err := other.VerifyAddress(PurposeBounce, tok); err == nil {
		t.Fatal("a token of another secret verifies")
	}
}

func TestVERPAddress(t *testing.T) {
	s := NewSigner("a secret long enough for the test, really", time.Now)
	addr := s.VERPAddress("bounces@example.org", 7)
	if !strings.HasPrefix(addr, "bounces+") || !strings.HasSuffix(addr, "@example.org") {
		t.Fatalf("VERP address %q", addr)
	}
	for _, tc := range []struct {
		name, addr string
		ok         bool
	}{
		{"as made", addr, true},
		{"in brackets, upper case", "<" + strings.ToUpper(addr) + ">", true},
		{"other domain", strings.Replace(addr, "example.org", "example.net", 1), false},
		{"other local part", strings.Replace(addr, "bounces+", "news+", 1), false},
		{"plain return path", "bounces@example.org", false},
		{"forged token", "bounces+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.org", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := s.VERPSubscriber("bounces@example.org", tc.addr)
			if tc.ok != (err == nil) || (tc.ok && id != 7) {
				t.Fatalf("VERPSubscriber(%q) = %d, %v", tc.addr, id, err)
			}
		})
	}
}
