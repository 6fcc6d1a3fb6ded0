package main

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
)

// redacting masks e-mail addresses in log records at info level and above,
// keeping the domain: "…@example.org". Handlers log subscriber ids, never
// addresses, but addresses still reach the log inside error messages (an SMTP
// server's refusal quotes the recipient, and so does go-mail's error), and an
// operator's log files and collectors are no place for them. Debug records,
// which an operator turns on to chase a problem, are left whole.
type redacting struct{ slog.Handler }

// emailLike matches what looks like an address: Message-IDs too, which lose
// nothing an operator needs, as the ledger keeps them.
var emailLike = regexp.MustCompile(`[\p{L}\p{N}.!#$%&'*+/=?^_{|}~-]+@([\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)`)

func redact(s string) string { return emailLike.ReplaceAllString(s, "…@$1") }

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
