package store

import (
	"encoding/base32"
	"strings"
)

// addressEncoding spells tokens that go into e-mail addresses: mail systems may
// change the case of a local part, so the alphabet has one case only.
var addressEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// MakeAddress returns a never-expiring token for subscriber id that can stand in
// the local part of an address (lower-case letters and digits, 34 characters), as
// in the VERP envelope sender bounces+<token>@example.org.
func (s *Signer) MakeAddress(p Purpose, id int64) string {
	return strings.ToLower(addressEncoding.EncodeToString(s.sign(p, id, 0)))
}

// VerifyAddress checks a token made by MakeAddress, in any case.
func (s *Signer) VerifyAddress(p Purpose, token string) (int64, error) {
	if len(token) > 64 {
		return 0, ErrTokenInvalid
	}
	raw, err := addressEncoding.DecodeString(strings.ToUpper(token))
	if err != nil {
		return 0, ErrTokenInvalid
	}
	return s.open(p, raw)
}

// VERPAddress is the envelope sender of mail to subscriber id when bounces go to
// returnPath (bounces@example.org): bounces+<token>@example.org, so that a bounce
// names its subscriber by the address it comes back to, and a forged one names
// nobody.
func (s *Signer) VERPAddress(returnPath string, id int64) string {
	local, domain := splitAddress(returnPath)
	return local + "+" + s.MakeAddress(PurposeBounce, id) + "@" + domain
}

// VERPSubscriber returns the subscriber that addr, an address VERPAddress made for
// returnPath, stands for; ErrTokenInvalid when it is not one.
func (s *Signer) VERPSubscriber(returnPath, addr string) (int64, error) {
	local, domain := splitAddress(returnPath)
	gotLocal, gotDomain := splitAddress(strings.Trim(strings.TrimSpace(addr), "<>"))
	prefix := local + "+"
	if !strings.EqualFold(gotDomain, domain) || len(gotLocal) <= len(prefix) || !strings.EqualFold(gotLocal[:len(prefix)], prefix) {
		return 0, ErrTokenInvalid
	}
	return s.VerifyAddress(PurposeBounce, gotLocal[len(prefix):])
}

// splitAddress splits local@domain at its last @.
func splitAddress(addr string) (local, domain string) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr, ""
	}
	return addr[:i], addr[i+1:]
}
