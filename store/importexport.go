package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ImportOptions say how to take an imported list.
type ImportOptions struct {
	Confirmed bool   // consented elsewhere already: active at once, consent method import-confirmed
	Welcome   bool   // with Confirmed: send each new subscriber the welcome mail
	Source    string // where the list came from, kept in each consent record
	BatchSize int    // rows per transaction; 0 means 1000
}

// ImportProblem is one line that was not imported, and why.
type ImportProblem struct {
	Line    int    `json:"line"`
	Email   string `json:"email,omitempty"`
	Reason  string `json:"reason"` // one of the Skip* codes
	Message string `json:"message"`
}

// ImportReport sums up an import.
type ImportReport struct {
	Rows        int            `json:"rows"` // data lines read, the header aside
	Imported    int            `json:"imported"`
	Skipped     int            `json:"skipped"`
	MailsQueued int            `json:"confirmation_mails_queued"`
	Welcomes    int            `json:"welcome_mails_queued"`
	ByReason    map[string]int `json:"skipped_by_reason"`
}

// batchItem is a line waiting for its batch: a good row, or the problem with it.
type batchItem struct {
	row     importRow
	problem *ImportProblem
}

// ImportCSV adds the subscribers of a CSV file (header: CSVColumns, countries
// separated by spaces or |). The file is read as a stream and stored in
// transactions of BatchSize rows, so a list of any length needs the memory of
// one batch. Without Confirmed, new subscribers are pending and get the usual
// confirmation mail. Malformed lines, addresses already on the list, suppressed
// ones and people who left are skipped: problem is called for each, in line
// order, and the good rows are kept. A wrong header is an ErrInvalid before
// anything is stored.
func (s *Store) ImportCSV(ctx context.Context, r io.Reader, opt ImportOptions, problem func(ImportProblem)) (ImportReport, error) {
	src, err := newCSVSource(r)
	if err != nil {
		return ImportReport{}, fmt.Errorf("import: %w", err)
	}
	size := opt.BatchSize
	if size <= 0 {
		size = 1000
	}
	rep := ImportReport{ByReason: map[string]int{}}
	skip := func(p ImportProblem) {
		rep.Skipped++
		rep.ByReason[p.Reason]++
		if problem != nil {
			problem(p)
		}
	}
	// Rows above startID that came from an import are this file's own: a second
	// line with the same address is then a duplicate within the file.
	var startID int64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM subscribers`).Scan(&startID); err != nil {
		return ImportReport{}, fmt.Errorf("import: %w", err)
	}
	batch := make([]batchItem, 0, size)
	flush := func() error {
		err := s.importBatch(ctx, batch, opt, startID, &rep, skip)
		batch = batch[:0]
		return err
	}
	for {
		row, p, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return rep, errors.Join(fmt.Errorf("import: %w", err), flush())
		}
		rep.Rows++
		batch = append(batch, batchItem{row: row, problem: p})
		if len(batch) == size {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	return rep, flush()
}

// importBatch stores one batch in one transaction.
func (s *Store) importBatch(ctx context.Context, items []batchItem, opt ImportOptions, startID int64,
	rep *ImportReport, skip func(ImportProblem)) error {
	if len(items) == 0 {
		return nil
	}
	now := s.now()
	t := now.UnixMilli()
	status, method, confirmed := StatusPending, "import", sql.NullInt64{}
	if opt.Confirmed {
		status, method, confirmed = StatusActive, "import-confirmed", sql.NullInt64{Int64: t, Valid: true}
	}
	var imported, mails, welcomes int
	err := s.write(ctx, func(tx *sql.Tx) error {
		salt, err := suppressionSalt(ctx, tx)
		if err != nil {
			return err
		}
		q, err := prepareImport(ctx, tx)
		if err != nil {
			return err
		}
		defer q.close()
		for _, it := range items {
			if it.problem != nil {
				skip(*it.problem)
				continue
			}
			row, key := it.row, EmailKey(it.row.email)
			var n int
			if err := q.suppressed.QueryRowContext(ctx, saltedHash(salt, key)).Scan(&n); err != nil {
				return fmt.Errorf("line %d: %w", row.line, err)
			}
			if n > 0 {
				// Who left and is still on the list is told as such; the others are a hash only.
				p, err := q.existingProblem(ctx, row, key, startID)
				if errors.Is(err, sql.ErrNoRows) {
					p, err = ImportProblem{Line: row.line, Email: row.email, Reason: SkipSuppressed,
						Message: "the address was erased, bounced or asked never to be mailed; it is never imported"}, nil
				}
				if err != nil {
					return fmt.Errorf("line %d: %w", row.line, err)
				}
				skip(p)
				continue
			}
			var id int64
			err := q.insert.QueryRowContext(ctx, row.email, key, status, joinCodes(row.countries), row.frequency,
				row.locale, t, t, confirmed, confirmed, t, method, opt.Source, t).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				p, err := q.existingProblem(ctx, row, key, startID)
				if err != nil {
					return fmt.Errorf("line %d: %w", row.line, err)
				}
				skip(p)
				continue
			}
			if err != nil {
				return fmt.Errorf("line %d: %w", row.line, err)
			}
			imported++
			if err := recordEvent(ctx, tx, id, ConsentEvent{Event: EventImport, At: now, Channel: method, Source: opt.Source}); err != nil {
				return fmt.Errorf("line %d: %w", row.line, err)
			}
			if opt.Confirmed && opt.Welcome {
				if err := queueMail(ctx, tx, now, MailWelcome, id); err != nil {
					return fmt.Errorf("line %d: %w", row.line, err)
				}
				welcomes++
			}
			if !opt.Confirmed {
				queued, err := s.queueConfirm(ctx, tx, now, id, 0, row.email)
				if err != nil {
					return fmt.Errorf("line %d: %w", row.line, err)
				}
				if queued {
					mails++
				}
			}
		}
		return bumpN(ctx, tx, now, "import", imported)
	})
	if err != nil {
		return fmt.Errorf("import lines %d-%d: %w", items[0].lineNo(), items[len(items)-1].lineNo(), err)
	}
	rep.Imported += imported
	rep.MailsQueued += mails
	rep.Welcomes += welcomes
	return nil
}

func (it batchItem) lineNo() int {
	if it.problem != nil {
		return it.problem.Line
	}
	return it.row.line
}

// importStmts are the statements an import batch runs for every row, prepared once.
type importStmts struct {
	suppressed, insert, existing *sql.Stmt
}

func prepareImport(ctx context.Context, tx *sql.Tx) (*importStmts, error) {
	var q importStmts
	var err error
	prep := func(query string) *sql.Stmt {
		var st *sql.Stmt
		if err == nil {
			st, err = tx.PrepareContext(ctx, query)
		}
		return st
	}
	q.suppressed = prep(selectSuppressed)
	q.insert = prep(`INSERT INTO subscribers (email, email_key, status, countries, frequency, locale, created_at,
		updated_at, confirmed_at, digest_since, consent_at, consent_method, consent_source, last_activity_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email_key) DO NOTHING RETURNING id`)
	q.existing = prep(`SELECT id, status, consent_method FROM subscribers WHERE email_key = ?`)
	if err != nil {
		q.close()
		return nil, fmt.Errorf("prepare import: %w", err)
	}
	return &q, nil
}

func (q *importStmts) close() {
	for _, st := range []*sql.Stmt{q.suppressed, q.insert, q.existing} {
		if st != nil {
			st.Close()
		}
	}
}

// existingProblem says why a row whose address is already stored was skipped.
func (q *importStmts) existingProblem(ctx context.Context, row importRow, key string, startID int64) (ImportProblem, error) {
	var (
		id             int64
		status, method string
	)
	if err := q.existing.QueryRowContext(ctx, key).Scan(&id, &status, &method); err != nil {
		return ImportProblem{}, err
	}
	p := ImportProblem{Line: row.line, Email: row.email, Reason: SkipDuplicate}
	switch {
	case status == StatusUnsubscribed:
		p.Reason, p.Message = SkipUnsubscribed, "this person unsubscribed; an import never subscribes them again"
	case status == StatusBounced:
		p.Reason, p.Message = SkipBounced, "this address bounced"
	case id > startID && strings.HasPrefix(method, "import"):
		p.Message = "the address appears earlier in this file"
	default:
		p.Message = "the address is already on the list (" + status + ")"
	}
	return p, nil
}
