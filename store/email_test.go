package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/caravan-news/caravan/store"
)

func TestNormalizeEmail(t *testing.T) {
	cases := []struct {
		name, in, want string
		err            error
	}{
		{"plain", "ana@example.org", "ana@example.org", nil},
		{"spaces around", "  ana@example.org\t", "ana@example.org", nil},
		{"domain case", "Ana.Maria@EXAMPLE.Org", "Ana.Maria@example.org", nil},
		{"plus tag", "ana+news@example.org", "ana+news@example.org", nil},
		{"idn domain", "ana@bücher.example", "ana@xn--bcher-kva.example", nil},
		{"utf8 local", "айгерим@example.kz", "айгерим@example.kz", nil},
		{"empty", "  ", "", store.ErrEmailEmpty},
		{"no at", "ana.example.org", "", store.ErrEmailNoAt},
		{"two", "a@example.org,b@example.org", "", store.ErrEmailSeveral},
		{"two with space", "a@example.org b@example.org", "", store.ErrEmailSeveral},
		{"display name", "Ana <ana@example.org>", "", store.ErrEmailDisplayName},
		{"crlf", "ana@example.org\r\nBcc: b@example.org", "", store.ErrEmailControl},
		{"nul", "ana\x00@example.org", "", store.ErrEmailControl},
		{"local 65", strings.Repeat("a", 65) + "@example.org", "", store.ErrEmailLocalLong},
		{"local 64", strings.Repeat("a", 64) + "@example.org", strings.Repeat("a", 64) + "@example.org", nil},
		{"whole 255", "a@" + strings.Repeat(strings.Repeat("b", 60)+".", 4) + "example.org", "", store.ErrEmailTooLong},
		{"double dot", "ana..b@example.org", "", store.ErrEmailLocal},
		{"no tld", "ana@localhost", "", store.ErrEmailDomain},
		{"ip literal", "ana@[127.0.0.1]", "", store.ErrEmailDomain},
		{"underscore domain", "ana@ex_ample.org", "", store.ErrEmailDomain},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := store.NormalizeEmail(c.in)
			if c.err != nil {
				if !errors.Is(err, c.err) || !errors.Is(err, store.ErrInvalid) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// FuzzNormalizeEmail checks that a normalized address is stable, within RFC 5321's
// limits, and free of anything that could break a mail header.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"ana@example.org", "Ana@Bücher.Example", "a\r\n@b.c", "<a@b.c>", "a@b.c,d@e.f", "айгерим@example.kz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := store.NormalizeEmail(in)
		if err != nil {
			return
		}
		again, err := store.NormalizeEmail(out)
		if err != nil || again != out {
			t.Fatalf("%q normalizes to %q, then to %q (%v)", in, out, again, err)
		}
		at := strings.LastIndexByte(out, '@')
		if len(out) > 254 || at < 1 || at > 64 || strings.ContainsAny(out, "\r\n\x00<>, ") {
			t.Fatalf("bad normalized address %q", out)
		}
	})
}

func FuzzTokenVerify(f *testing.F) {
	s := store.NewSigner("k", nowFixed)
	f.Add(s.Make(store.PurposeUnsubscribe, 42, 0))
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := s.Verify(store.PurposeUnsubscribe, tok)
		if err != nil {
			return
		}
		// A token that verifies must be one we made: re-making it gives the same bytes.
		if s.Make(store.PurposeUnsubscribe, id, 0) != tok {
			t.Fatalf("forged token %q verified as %d", tok, id)
		}
	})
}
