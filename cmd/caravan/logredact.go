package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/caravan-news/caravan/store"
)

// redacting masks e-mail addresses in log records at info level and above,
// keeping the domain: "…@example.org". Handlers log subscriber ids, never
// addresses, but addresses still reach the log inside error messages (an SMTP
// server's refusal quotes the recipient, and so does go-mail's error), and an
// operator's log files and collectors are no place for them. Debug records,
// which an operator turns on to chase a problem, are left whole.
type redacting struct{ slog.Handler }

// redact masks the local part of every address in s: the run before each @
// of the characters an address's local part may hold, as the address parser
// defines them (store.LocalPartRune), so that no address NormalizeEmail accepts
// survives whole, whatever it holds (a backtick, a combining accent). Message-IDs
// lose their left part too, which costs an operator nothing: the ledger keeps them.
func redact(s string) string {
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	done := 0 // s[:done] is written
	for at := strings.IndexByte(s, '@'); at >= 0; {
		start := at
		for start > done {
			r, n := utf8.DecodeLastRuneInString(s[done:start])
			if !store.LocalPartRune(r) {
				break
			}
			start -= n
		}
		if start < at {
			b.WriteString(s[done:start])
			b.WriteString("…")
			done = at
		}
		next := strings.IndexByte(s[at+1:], '@')
		if next < 0 {
			break
		}
		at += 1 + next
	}
	b.WriteString(s[done:])
	return b.String()
}

func (h redacting) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelInfo {
		return h.Handler.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h redacting) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return redacting{h.Handler.WithAttrs(red)}
}

func (h redacting) WithGroup(name string) slog.Handler { return redacting{h.Handler.WithGroup(name)} }

// redactAttr masks the addresses in a's value: strings, errors and anything
// else that prints as text.
func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(v.String()))
	case slog.KindGroup:
		group := v.Group()
		red := make([]any, len(group))
		for i, g := range group {
			red[i] = redactAttr(g)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, redact(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, redact(x.String()))
		default:
			if s := fmt.Sprint(x); redact(s) != s {
				return slog.String(a.Key, redact(s))
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
