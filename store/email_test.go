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
		{"decomposed accent composed", "e\u0301lodie@example.fr", "\u00e9lodie@example.fr", nil},
		{"kelvin sign is a K", "\u212aate@example.org", "Kate@example.org", nil},
		{"backtick", "john`smith@example.org", "john`smith@example.org", nil},
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

func TestEmailKeyIsACanonicalCaselessMatch(t *testing.T) {
	same := [][2]string{
		{"Ana@example.org", "ana@example.org"},
		{"\u00c9lodie@example.fr", "e\u0301lodie@example.fr"}, // composed capital, decomposed small
		{"\u017fam@example.org", "sam@example.org"},           // long s folds to s; ToLower keeps it
		{"STRASSE@example.de", "stra\u00dfe@example.de"},      // ß folds to ss
		{"\u212aate@example.org", "kate@example.org"},         // Kelvin sign
		{"АЙГЕРИМ@example.kz", "айгерим@example.kz"},
	}
	for _, p := range same {
		a, errA := store.NormalizeEmail(p[0])
		b, errB := store.NormalizeEmail(p[1])
		if errA != nil || errB != nil || store.EmailKey(a) != store.EmailKey(b) {
			t.Errorf("%q and %q: keys %q and %q (%v %v)", p[0], p[1], store.EmailKey(a), store.EmailKey(b), errA, errB)
		}
	}
	if store.EmailKey("ana@example.org") == store.EmailKey("anna@example.org") {
		t.Error("different addresses share a key")
	}
	for in, want := range map[string]string{"Victim+0@example.org": "victim@example.org", "victim@example.org": "victim@example.org",
		"+x@example.org": "+x@example.org", "a+b+c@example.org": "a@example.org"} {
		if got := store.BaseMailbox(in); got != want {
			t.Errorf("BaseMailbox(%q) = %q, want %q", in, got, want)
		}
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
		if key := store.EmailKey(out); store.EmailKey(key) != key {
			t.Fatalf("key of %q is %q, whose key is %q", out, key, store.EmailKey(key))
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
