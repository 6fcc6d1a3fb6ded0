package store_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sqlKeyword marks a string literal as a piece of SQL: the store writes its
// keywords in capitals.
var sqlKeyword = regexp.MustCompile(`\b(SELECT|INSERT|UPDATE|DELETE|WHERE|FROM|VALUES|SET|ORDER BY|LIMIT|JOIN|AND|OR|IN|LIKE|COALESCE)\b`)

// sqlFragments are the store's functions that return fixed SQL text, never a
// value: they may be spliced into a query.
var sqlFragments = map[string]bool{"forUpdate": true, "skipLocked": true, "placeholders": true}

// dynamicSQL lists, by function and expression, the pieces of SQL text that
// are not literals or constants, each with why no value can reach it. A new
// entry needs the same care in review: values go in the query's arguments.
var dynamicSQL = map[string]string{
	`ListSubscribers: strings.Join(where, " AND ")`:  "literal conditions with ? placeholders, chosen by which filters are set",
	`ListSuppressions: strings.Join(where, " AND ")`: "literal conditions with ? placeholders, chosen by which filters are set",
	`AuditLog: strings.Join(where, " AND ")`:         "literal conditions with ? placeholders, chosen by which filters are set",
	`countByCountry: strings.Join(cols, ", ")`:       "one literal column per constant country code",
	`countByCountry: c`:                              "ranges over the constant country codes (Countries)",
	`checkEmpty: t.name`:                             "table names from the fixed list of copied tables",
	`checkEmpty: where`:                              "a literal condition built from a constant",
	`copyRows: t.name`:                               "table names from the fixed list of copied tables",
	`copyRows: keys`:                                 "key column names from the fixed list of copied tables",
	`insertPage: table`:                              "table names from the fixed list of copied tables",
	`insertPage: strings.Join(cols, ", ")`:           "column names read from the source table's own result",
	`insertPage: row`:                                "a row of ? placeholders",
	`resetSequences: t.name`:                         "table names from the fixed list of copied tables",
	`insertSet: values`:                              "rows of ? placeholders, one per outcome",
}

// TestSQLIsBuiltOnlyWithParameters reads the store's source: wherever a SQL
// literal is joined with something else (+, fmt.Sprintf, a strings.Builder),
// that something must be a literal, a constant, a fragment function or a
// reviewed entry of dynamicSQL. A value spliced into SQL text (an address, a
// search term) fails here, naming the function and the expression.
func TestSQLIsBuiltOnlyWithParameters(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	consts := map[string]bool{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						consts[n.Name] = true
					}
				}
			}
		}
	}
	src := func(e ast.Node) string {
		var b bytes.Buffer
		printer.Fprint(&b, fset, e)
		return b.String()
	}
	isSQL := func(e ast.Expr) bool {
		l, ok := e.(*ast.BasicLit)
		return ok && l.Kind == token.STRING && sqlKeyword.MatchString(l.Value)
	}
	used := map[string]bool{}
	checked := 0
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			hasSQL := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if e, ok := n.(ast.Expr); ok && isSQL(e) {
					hasSQL = true
				}
				return !hasSQL
			})
			if !hasSQL {
				continue
			}
			safe := func(e ast.Expr) bool {
				switch x := e.(type) {
				case *ast.BasicLit:
					return x.Kind == token.STRING
				case *ast.Ident:
					if consts[x.Name] {
						return true
					}
				case *ast.CallExpr:
					name := src(x.Fun)
					if sqlFragments[name[strings.LastIndexByte(name, '.')+1:]] {
						return true
					}
				}
				key := fn.Name.Name + ": " + src(e)
				if _, ok := dynamicSQL[fn.Name.Name+": *"]; ok {
					used[fn.Name.Name+": *"] = true
					return true
				}
				if _, ok := dynamicSQL[key]; ok {
					used[key] = true
					return true
				}
				t.Errorf("%s: %s splices %s into SQL text: pass it as a query argument, or add it to dynamicSQL with why no value can reach it",
					fset.Position(e.Pos()), fn.Name.Name, src(e))
				return false
			}
			inChain := map[*ast.BinaryExpr]bool{}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.BinaryExpr:
					if x.Op != token.ADD || inChain[x] {
						return true
					}
					var ops []ast.Expr
					var flatten func(e ast.Expr)
					flatten = func(e ast.Expr) {
						switch y := e.(type) {
						case *ast.BinaryExpr:
							if y.Op == token.ADD {
								inChain[y] = true
								flatten(y.X)
								flatten(y.Y)
								return
							}
						case *ast.ParenExpr:
							flatten(y.X)
							return
						}
						ops = append(ops, e)
					}
					flatten(x)
					sql := false
					for _, o := range ops {
						sql = sql || isSQL(o)
					}
					if sql {
						checked++
						for _, o := range ops {
							safe(o)
						}
					}
				case *ast.CallExpr:
					name := src(x.Fun)
					switch {
					case (name == "fmt.Sprintf" || name == "fmt.Fprintf") && len(x.Args) > 0:
						format := x.Args[0]
						if name == "fmt.Fprintf" && len(x.Args) > 1 {
							format = x.Args[1]
						}
						if isSQL(format) {
							checked++
							for _, a := range x.Args[1:] {
								if a != format {
									safe(a)
								}
							}
						}
					case strings.HasSuffix(name, ".WriteString") && len(x.Args) == 1:
						checked++
						if _, ok := x.Args[0].(*ast.BinaryExpr); !ok { // a + chain is checked above
							safe(x.Args[0])
						}
					}
				}
				return true
			})
		}
	}
	if checked < 10 {
		t.Fatalf("only %d SQL constructions found: is the scan still reading the store?", checked)
	}
	for k := range dynamicSQL {
		if !used[k] {
			t.Logf("dynamicSQL entry %q matches nothing any more", k)
		}
	}
}
