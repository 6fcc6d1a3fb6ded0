package store

import (
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"none", `SELECT 1`, `SELECT 1`},
		{"several", `UPDATE t SET a = ?, b = ? WHERE id = ?`, `UPDATE t SET a = $1, b = $2 WHERE id = $3`},
		{"ten and more", `VALUES (?,?,?,?,?,?,?,?,?,?,?)`, `VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`},
		{"string literal", `SELECT '?', ? WHERE x LIKE 'a?b'`, `SELECT '?', $1 WHERE x LIKE 'a?b'`},
		{"doubled quote", `SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{"escape string", `SELECT E'\'?', ?`, `SELECT E'\'?', $1`},
		{"standard backslash", `SELECT x LIKE ? ESCAPE '\' AND y = ?`, `SELECT x LIKE $1 ESCAPE '\' AND y = $2`},
		{"quoted identifier", `SELECT "a?" FROM t WHERE b = ?`, `SELECT "a?" FROM t WHERE b = $1`},
		{"line comment", "SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{"block comment", `SELECT /* ? */ ?`, `SELECT /* ? */ $1`},
		{"dollar body", `DO $$ BEGIN PERFORM '?'; END $$; SELECT ?`, `DO $$ BEGIN PERFORM '?'; END $$; SELECT $1`},
		{"tagged dollar body", `SELECT $f$ ? $$ ? $f$, ?`, `SELECT $f$ ? $$ ? $f$, $1`},
		{"numbered already", `SELECT $1`, `SELECT $1`},
		{"unterminated literal", `SELECT '?`, `SELECT '?`},
		{"utf-8", `SELECT 'é?', ?`, `SELECT 'é?', $1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rebind(tt.in); got != tt.want {
				t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzRebind(f *testing.F) {
	for _, s := range []string{`SELECT ? FROM t WHERE a = '?'`, `$$?$$ ?`, `E'\'' ?`, "-- ?\n?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		out := rebind(q)
		// Nothing but a ? ever changes: a query without one is left alone, and
		// one with some loses only ?s.
		if !strings.Contains(q, "?") && out != q {
			t.Fatalf("rebind(%q) = %q", q, out)
		}
		if strings.Count(out, "?") > strings.Count(q, "?") {
			t.Fatalf("rebind(%q) = %q: more ? than before", q, out)
		}
	})
}
