package store

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CSVColumns are the columns of import and export files, in export order.
var CSVColumns = []string{"email", "countries", "frequency", "locale"}

// CSVStatusColumn is the column an export of everyone adds. The import reads
// it only to skip the people it says left: a file never makes anyone active.
const CSVStatusColumn = "status"

// Reasons an import row is skipped, as they appear in the report.
const (
	SkipBadLine      = "bad_line"     // not a CSV row of the header's columns
	SkipBadEncoding  = "bad_encoding" // not UTF-8
	SkipEmail        = "invalid_email"
	SkipCountries    = "invalid_countries"
	SkipFrequency    = "invalid_frequency"
	SkipLocale       = "invalid_locale"
	SkipDuplicate    = "duplicate"    // on the list already, or earlier in the file
	SkipSuppressed   = "suppressed"   // erased, bounced, or unsubscribed while unknown
	SkipUnsubscribed = "unsubscribed" // left: an import never brings anyone back
	SkipBounced      = "bounced"
)

// importRow is one good line of an import file.
type importRow struct {
	line      int
	email     string // normalized
	countries []string
	frequency string
	locale    string
}

// csvSource reads an import file row by row, never holding more than one.
type csvSource struct {
	r    *csv.Reader
	cols map[string]int // column name → index
}

// newCSVSource reads and checks the header: the columns of CSVColumns in any
// order, email required. A wrong header is an ErrInvalid that says what to send.
func newCSVSource(r io.Reader) (*csvSource, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // rows of the wrong length are reported, not fatal
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is empty; the first line must be the header %s", ErrInvalid, strings.Join(CSVColumns, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the header line cannot be read: %v", ErrInvalid, err)
	}
	cols := map[string]int{}
	for i, name := range head {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		if !slices.Contains(CSVColumns, name) && name != CSVStatusColumn {
			return nil, fmt.Errorf("%w: unknown column %q in the header; the first line must be %s",
				ErrInvalid, strings.ToValidUTF8(name, "?"), strings.Join(CSVColumns, ","))
		}
		if _, dup := cols[name]; dup {
			return nil, fmt.Errorf("%w: column %q appears twice in the header", ErrInvalid, name)
		}
		cols[name] = i
	}
	if _, ok := cols["email"]; !ok {
		return nil, fmt.Errorf("%w: the header has no email column; the first line must be %s", ErrInvalid, strings.Join(CSVColumns, ","))
	}
	return &csvSource{r: cr, cols: cols}, nil
}

// next returns the next row, or a problem with it, or io.EOF at the end.
func (c *csvSource) next() (importRow, *ImportProblem, error) {
	rec, err := c.r.Read()
	var perr *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return importRow{}, nil, io.EOF
	case errors.As(err, &perr):
		return importRow{}, &ImportProblem{Line: perr.StartLine, Reason: SkipBadLine, Message: perr.Err.Error()}, nil
	case err != nil:
		return importRow{}, nil, fmt.Errorf("read csv: %w", err)
	}
	line, _ := c.r.FieldPos(0)
	if len(rec) != len(c.cols) {
		return importRow{}, &ImportProblem{Line: line, Email: clipField(rec[0]), Reason: SkipBadLine,
			Message: fmt.Sprintf("%d fields where the header has %d", len(rec), len(c.cols))}, nil
	}
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return importRow{}, &ImportProblem{Line: line, Email: clipField(rec[c.cols["email"]]), Reason: SkipBadEncoding,
				Message: "the line is not valid UTF-8; save the file as UTF-8"}, nil
		}
	}
	return c.row(line, rec)
}

func (c *csvSource) field(rec []string, name, def string) string {
	i, ok := c.cols[name]
	if !ok {
		return def
	}
	if v := strings.TrimSpace(rec[i]); v != "" {
		return v
	}
	return def
}

func (c *csvSource) row(line int, rec []string) (importRow, *ImportProblem, error) {
	raw := unneutralise(c.field(rec, "email", ""))
	bad := func(reason string, err error) (importRow, *ImportProblem, error) {
		msg := strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
		return importRow{}, &ImportProblem{Line: line, Email: clipField(raw), Reason: reason, Message: msg}, nil
	}
	email, err := NormalizeEmail(raw)
	if err != nil {
		return bad(SkipEmail, err)
	}
	switch strings.ToLower(c.field(rec, CSVStatusColumn, "")) {
	case StatusUnsubscribed:
		return bad(SkipUnsubscribed, fmt.Errorf("%w: the file says this person unsubscribed; an import never brings anyone back", ErrInvalid))
	case StatusBounced:
		return bad(SkipBounced, fmt.Errorf("%w: the file says this address bounced", ErrInvalid))
	}
	codes := strings.FieldsFunc(c.field(rec, "countries", ""), func(r rune) bool { return r == '|' || r == ',' || unicode.IsSpace(r) })
	countries, err := NormalizeCountries(codes)
	if err != nil {
		return bad(SkipCountries, err)
	}
	row := importRow{line: line, email: email, countries: countries,
		frequency: strings.ToLower(c.field(rec, "frequency", "daily")), locale: strings.ToLower(c.field(rec, "locale", "fr"))}
	if err := CheckChoices(row.frequency, "fr"); err != nil {
		return bad(SkipFrequency, err)
	}
	if err := CheckChoices("daily", row.locale); err != nil {
		return bad(SkipLocale, err)
	}
	return row, nil, nil
}

// clipField keeps a field short and printable for the report.
func clipField(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
	if len(s) > 100 {
		s = strings.ToValidUTF8(s[:100], "") + "…"
	}
	return s
}
