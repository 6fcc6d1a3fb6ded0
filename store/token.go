package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// Purpose says what a signed link may do; a token made for one purpose never verifies for another.
type Purpose byte

// The purposes of signed links.
const (
	PurposeConfirm     Purpose = 'c' // names a subscriber: links made before signups were kept
	PurposeSignup      Purpose = 's' // names a signup: its confirmation link
	PurposeUnsubscribe Purpose = 'u'
	PurposePreferences Purpose = 'p'
	PurposeBounce      Purpose = 'b' // the VERP envelope sender: bounces come back to it
)

// Token errors. An expired token still names its subscriber, so a page can offer a new link.
var (
	ErrTokenInvalid = errors.New("link is not valid")
	ErrTokenExpired = errors.New("link has expired")
)

const macSize = 16

// Signer makes and checks the tokens in confirmation, unsubscribe and preference
// links: a purpose, a subscriber id and an optional expiry, authenticated with
// HMAC-SHA256 under CARAVAN_SECRET.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a Signer keyed with secret and reading time from now.
func NewSigner(secret string, now func() time.Time) *Signer {
	return &Signer{key: []byte(secret), now: now}
}

// Make returns a URL-safe token for subscriber id; ttl 0 means it never expires.
// (A negative ttl makes a token that has already expired, for tests.)
func (s *Signer) Make(p Purpose, id int64, ttl time.Duration) string {
	return base64.RawURLEncoding.EncodeToString(s.sign(p, id, ttl))
}

// sign returns the bytes of a token: purpose, id, expiry and their MAC.
func (s *Signer) sign(p Purpose, id int64, ttl time.Duration) []byte {
	var exp int64
	if ttl != 0 {
		exp = s.now().Add(ttl).Unix()
	}
	buf := make([]byte, 0, 1+2*binary.MaxVarintLen64+macSize)
	buf = append(buf, byte(p))
	buf = binary.AppendUvarint(buf, uint64(id))
	buf = binary.AppendUvarint(buf, uint64(exp))
	return append(buf, s.mac(buf)...)
}

// Verify checks token for purpose p and returns the subscriber id it names.
// An authentic but expired token returns the id with ErrTokenExpired.
func (s *Signer) Verify(p Purpose, token string) (int64, error) {
	if len(token) > 64 {
		return 0, ErrTokenInvalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return 0, ErrTokenInvalid
	}
	return s.open(p, raw)
}

// open checks the bytes of a token for purpose p and returns its subscriber id.
func (s *Signer) open(p Purpose, raw []byte) (int64, error) {
	if len(raw) < 1+2+macSize {
		return 0, ErrTokenInvalid
	}
	body, mac := raw[:len(raw)-macSize], raw[len(raw)-macSize:]
	if !hmac.Equal(mac, s.mac(body)) || Purpose(body[0]) != p {
		return 0, ErrTokenInvalid
	}
	id, n := binary.Uvarint(body[1:])
	if n <= 0 || id == 0 || id > 1<<62 {
		return 0, ErrTokenInvalid
	}
	exp, m := binary.Uvarint(body[1+n:])
	if m <= 0 || 1+n+m != len(body) {
		return 0, ErrTokenInvalid
	}
	if exp != 0 && s.now().Unix() > int64(exp) {
		return int64(id), ErrTokenExpired
	}
	return int64(id), nil
}

func (s *Signer) mac(body []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte("caravan-link-v1:"))
	h.Write(body)
	return h.Sum(nil)[:macSize]
}
