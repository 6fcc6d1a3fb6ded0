package store

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"time"
)

// PurposeView marks the tokens of "view in browser" links.
const PurposeView Purpose = 'v'

// ViewRef is what a "view in browser" link names: one reader's digest of one
// run, with what chose its articles then (their countries, language, and the
// start of their window), so that the page shows the digest as it was sent
// whatever the reader changed since.
type ViewRef struct {
	SubscriberID int64
	RunID        int64
	From         time.Time // articles that arrived from here to the run's cutoff were new to them
	Countries    []string
	Locale       string
}

// MakeView returns the token of a "view in browser" link, valid for ttl.
func (s *Signer) MakeView(r ViewRef, ttl time.Duration) string {
	var mask byte
	for i, c := range Countries {
		if slices.Contains(r.Countries, c) {
			mask |= 1 << i
		}
	}
	if r.Locale == "en" {
		mask |= 1 << 7
	}
	buf := make([]byte, 0, 2+5*binary.MaxVarintLen64+macSize)
	buf = append(buf, byte(PurposeView), mask)
	buf = binary.AppendUvarint(buf, uint64(r.SubscriberID))
	buf = binary.AppendUvarint(buf, uint64(r.RunID))
	buf = binary.AppendUvarint(buf, uint64(max(0, r.From.UnixMilli())))
	buf = binary.AppendUvarint(buf, uint64(s.now().Add(ttl).Unix()))
	buf = append(buf, s.mac(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// VerifyView checks a "view in browser" token and returns what it names. An
// authentic but expired token is ErrTokenExpired, anything else not made by
// MakeView under this key ErrTokenInvalid.
func (s *Signer) VerifyView(token string) (ViewRef, error) {
	if len(token) > 96 {
		return ViewRef{}, ErrTokenInvalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < 2+4+macSize {
		return ViewRef{}, ErrTokenInvalid
	}
	body, mac := raw[:len(raw)-macSize], raw[len(raw)-macSize:]
	if !hmac.Equal(mac, s.mac(body)) || Purpose(body[0]) != PurposeView {
		return ViewRef{}, ErrTokenInvalid
	}
	mask, rest := body[1], body[2:]
	var nums [4]uint64
	for i := range nums {
		v, n := binary.Uvarint(rest)
		if n <= 0 || v > 1<<62 {
			return ViewRef{}, ErrTokenInvalid
		}
		nums[i], rest = v, rest[n:]
	}
	if len(rest) != 0 || nums[0] == 0 || nums[1] == 0 {
		return ViewRef{}, ErrTokenInvalid
	}
	r := ViewRef{SubscriberID: int64(nums[0]), RunID: int64(nums[1]), From: ms(int64(nums[2])), Locale: "fr"}
	for i, c := range Countries {
		if mask&(1<<i) != 0 {
			r.Countries = append(r.Countries, c)
		}
	}
	if mask&(1<<7) != 0 {
		r.Locale = "en"
	}
	if s.now().Unix() > int64(nums[3]) {
		return r, ErrTokenExpired
	}
	return r, nil
}
