package store

import (
	"strings"
	"unicode/utf8"
)

// Text from outside (a relay's reply, a feed's item, an API body) can hold
// anything: bytes that are not UTF-8, a NUL, a megabyte. PostgreSQL refuses
// the first two (SQLSTATE 22021) and would then refuse the whole transaction
// around them, so every such text passes here before it is stored; SQLite
// gets the very same text.

// cleanText returns s as valid UTF-8 without NUL: invalid bytes and NULs are
// dropped.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

// truncate returns s cleaned (see cleanText) and cut to at most n bytes, on a
// character boundary: a cut never leaves half a character behind.
func truncate(s string, n int) string {
	s = cleanText(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
