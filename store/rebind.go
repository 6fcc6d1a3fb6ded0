package store

import (
	"strconv"
	"strings"
)

// rebind rewrites the ? placeholders of query as PostgreSQL's $1, $2, ...
// The store's SQL is written once with ?, which SQLite reads; PostgreSQL reads
// only numbered parameters. A ? inside a string literal ('...', E'...'), a
// quoted identifier, a dollar-quoted body or a comment is left alone.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n, done := 0, 0 // done: the input copied to b so far
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '?':
			n++
			b.WriteString(query[done:i])
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i++
			done = i
		case c == '\'':
			escapes := i > 0 && (query[i-1] == 'E' || query[i-1] == 'e') && (i < 2 || !isIdentByte(query[i-2]))
			i = skipQuoted(query, i, '\'', escapes)
		case c == '"':
			i = skipQuoted(query, i, '"', false)
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			if end := strings.IndexByte(query[i:], '\n'); end >= 0 {
				i += end
			} else {
				i = len(query)
			}
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			if end := strings.Index(query[i+2:], "*/"); end >= 0 {
				i += 2 + end + 2
			} else {
				i = len(query)
			}
		case c == '$' && (i == 0 || !isIdentByte(query[i-1])):
			i = skipDollarQuoted(query, i)
		default:
			i++
		}
	}
	b.WriteString(query[done:])
	return b.String()
}

// skipQuoted returns the index just past the literal or identifier opened by
// quote at i. A doubled quote stands for itself; with escapes, so does \'.
func skipQuoted(q string, i int, quote byte, escapes bool) int {
	for j := i + 1; j < len(q); j++ {
		switch {
		case escapes && q[j] == '\\':
			j++
		case q[j] == quote:
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// skipDollarQuoted returns the index just past the $tag$...$tag$ body that
// starts at i, or i+1 when the $ opens no such body (a $1 parameter, say).
func skipDollarQuoted(q string, i int) int {
	j := i + 1
	for j < len(q) && q[j] != '$' {
		if !isIdentByte(q[j]) || (j == i+1 && q[j] >= '0' && q[j] <= '9') {
			return i + 1
		}
		j++
	}
	if j >= len(q) {
		return i + 1
	}
	tag := q[i : j+1]
	if end := strings.Index(q[j+1:], tag); end >= 0 {
		return j + 1 + end + len(tag)
	}
	return len(q)
}

func isIdentByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80
}
