package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Reasons an address is refused. Each is an ErrInvalid, so the server answers 4xx,
// and each has its own message so the form can say what is wrong.
var (
	ErrEmailEmpty       = fmt.Errorf("%w: address is empty", ErrInvalid)
	ErrEmailTooLong     = fmt.Errorf("%w: address is longer than 254 characters", ErrInvalid)
	ErrEmailLocalLong   = fmt.Errorf("%w: the part before @ is longer than 64 characters", ErrInvalid)
	ErrEmailNoAt        = fmt.Errorf("%w: address has no @", ErrInvalid)
	ErrEmailSeveral     = fmt.Errorf("%w: only one address is accepted", ErrInvalid)
	ErrEmailDisplayName = fmt.Errorf("%w: give the address alone, without a name or <>", ErrInvalid)
	ErrEmailControl     = fmt.Errorf("%w: address contains spaces, line breaks or control characters", ErrInvalid)
	ErrEmailLocal       = fmt.Errorf("%w: the part before @ is not valid", ErrInvalid)
	ErrEmailDomain      = fmt.Errorf("%w: the domain is not valid", ErrInvalid)
)

// idnaProfile checks domains the way mail software resolves them.
var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false))

// NormalizeEmail checks raw as one bare mailbox address and returns it in the
// form Caravan stores and mails: surrounding spaces removed, the domain lower-cased
// and converted to its ASCII (punycode) form, the local part as typed but in
// Unicode's composed form (NFC, as RFC 6532 asks), so that an "é" typed as one
// character or as "e" and an accent is one address. The limits are RFC 5321's:
// local part at most 64 octets, whole address at most 254.
func NormalizeEmail(raw string) (string, error) {
	addr := strings.TrimSpace(raw)
	switch {
	case addr == "":
		return "", ErrEmailEmpty
	case len(addr) > 254:
		return "", ErrEmailTooLong
	case !utf8.ValidString(addr):
		return "", ErrEmailControl
	case strings.ContainsAny(addr, ",;"):
		return "", ErrEmailSeveral
	case strings.ContainsAny(addr, "<>\""):
		return "", ErrEmailDisplayName
	}
	for _, r := range addr {
		if unicode.IsControl(r) {
			return "", ErrEmailControl
		}
		if unicode.IsSpace(r) {
			if strings.Count(addr, "@") > 1 {
				return "", ErrEmailSeveral
			}
			return "", ErrEmailControl
		}
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", ErrEmailNoAt
	}
	local, domain := norm.NFC.String(addr[:at]), addr[at+1:]
	if strings.Contains(local, "@") {
		return "", ErrEmailSeveral
	}
	if err := checkLocal(local); err != nil {
		return "", err
	}
	ascii, err := normalizeDomain(domain)
	if err != nil {
		return "", err
	}
	out := local + "@" + ascii
	if len(out) > 254 {
		return "", ErrEmailTooLong
	}
	return out, nil
}

// EmailKey is the case-insensitive identity of a normalized address: two
// addresses with the same key are the same person. It is Unicode's canonical
// caseless match (full case folding between canonical decompositions), not
// strings.ToLower, which leaves apart spellings that folding joins (a long s
// "ſ" and "s", "ß" and "ss"). Joining them is safe because the key only names
// the person: every confirmation mail goes to the spelling just typed, and the
// address mailed afterwards is the one that confirmed.
func EmailKey(normalized string) string {
	ascii := true
	for i := 0; i < len(normalized); i++ {
		if normalized[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(normalized)
	}
	// A Caser keeps state: one per call, as they must not be shared between goroutines.
	return norm.NFC.String(cases.Fold().String(norm.NFD.String(normalized)))
}

// BaseMailbox is the key of the mailbox an address delivers to once its tag is
// taken off: "Ana+news@example.org" and "ana+x@example.org" both reach
// "ana@example.org", so limits on mail sent to an address apply to the base.
func BaseMailbox(normalized string) string {
	key := EmailKey(normalized)
	at := strings.LastIndexByte(key, '@')
	if at < 0 {
		return key
	}
	if plus := strings.IndexByte(key[:at], '+'); plus > 0 {
		return key[:plus] + key[at:]
	}
	return key
}

// LocalPartRune tells whether r may appear in the local part of an address
// NormalizeEmail accepts: RFC 5322 atext and dots, and UTF-8 letters, digits
// and marks (RFC 6531). Log redaction masks every run of them before an @.
func LocalPartRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '.' || isAtext(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// checkLocal accepts a dot-atom local part (RFC 5322 atext, and UTF-8 letters per RFC 6531).
func checkLocal(local string) error {
	if local == "" {
		return ErrEmailLocal
	}
	if len(local) > 64 {
		return ErrEmailLocalLong
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return ErrEmailLocal
	}
	for _, r := range local {
		if !LocalPartRune(r) {
			return ErrEmailLocal
		}
	}
	return nil
}

func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// normalizeDomain returns the lower-case ASCII form of a host name with at least two labels.
func normalizeDomain(domain string) (string, error) {
	domain = strings.TrimSuffix(domain, ".")
	if domain == "" || strings.HasPrefix(domain, "[") {
		return "", ErrEmailDomain
	}
	ascii, err := idnaProfile.ToASCII(domain)
	if err != nil {
		return "", fmt.Errorf("%w (%v)", ErrEmailDomain, errors.Unwrap(err))
	}
	ascii = strings.ToLower(ascii)
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 || len(ascii) > 253 {
		return "", ErrEmailDomain
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", ErrEmailDomain
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return "", ErrEmailDomain
			}
		}
	}
	return ascii, nil
}
