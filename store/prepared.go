package store

import (
	"context"
	"database/sql"
	"fmt"
)

// sqlTx is what the small helpers need of a transaction: *sql.Tx is one, and so is
// hotTx, which runs the statements of the hot paths prepared once.
type sqlTx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// hotQueries are prepared at Open on the writer connection. SQLite spends more
// time parsing a small statement than running it, and a signup runs six, a
// digest's ledger entry three.
var hotQueries = []string{selectSuppressed, selectSubscriberByKey, insertPendingSQL, bumpSQL,
	countConfirmSQL, queueMailSQL, insertSignupSQL, insertEventSQL, queueSignupMailSQL,
	ledgerCutoffSQL, ledgerPrevSQL, ledgerInsertSQL, ledgerAdvanceSQL, ledgerCountsSQL}

// hotReads are prepared at Open on the reader pool (database/sql prepares
// them again on each reader connection, once): a digest run asks one of
// them before every send.
var hotReads = []string{mailableSQLite, suppressedSQLite}

func (s *Store) prepareHot(ctx context.Context) error {
	s.hot = make(map[string]*sql.Stmt, len(hotQueries))
	s.hotRead = make(map[string]*sql.Stmt, len(hotReads))
	if s.pg {
		return nil // pgx prepares and caches every statement on each connection by itself
	}
	for _, q := range hotQueries {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.hot[q] = st
	}
	for _, q := range hotReads {
		st, err := s.r.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.hotRead[q] = st
	}
	return nil
}

// query runs the read q, through its prepared statement when it has one.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st, ok := s.hotRead[q]; ok {
		return st.QueryContext(ctx, args...)
	}
	return s.r.QueryContext(ctx, q, args...)
}

func (s *Store) closeHot() {
	for _, st := range s.hot {
		st.Close()
	}
	for _, st := range s.hotRead {
		st.Close()
	}
}

// hotTx runs the hot queries through their prepared statements; database/sql
// reuses a statement prepared on the writer's one connection inside a transaction.
type hotTx struct {
	*sql.Tx
	hot map[string]*sql.Stmt
}

func (t hotTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st, ok := t.hot[q]; ok {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}

func (t hotTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st, ok := t.hot[q]; ok {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, q, args...)
}

func (t hotTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st, ok := t.hot[q]; ok {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, q, args...)
}
