package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// A batch holds the rows of one table that a build has yet to insert: they
// are inserted batchRows at a time by one multi-row INSERT, prepared once.
// One statement a row cost most of a row's insertion (database/sql's and
// the driver's work for each Exec, SQLite's for each statement run), not
// the row itself.
//
// A batch's rows reach the table when it is full or flushed: the writer
// flushes every batch before it reads, updates or deletes rows
// (writer.flush), and before the transaction ends.
type batch struct {
	head string // INSERT ... INTO table (columns) VALUES
	cols int
	max  int // rows a statement
	args []any
	many *sql.Stmt // max rows, prepared at the first full batch
	bufs []*[]byte // encodeBufs' buffers of the rows' values, given back once inserted
	one  *sql.Stmt // one row: the rest of a batch when it is flushed early
}

// maxBatchVars bounds a statement's parameters (SQLite's
// SQLITE_MAX_VARIABLE_NUMBER is 32766 since 3.32: https://sqlite.org/limits.html#max_variable_number).
const maxBatchVars = 4096

// batchRows is the most rows a batch statement inserts.
const batchRows = 256

func newBatch(head string, cols int) *batch {
	return &batch{head: head, cols: cols, max: max(1, min(batchRows, maxBatchVars/cols))}
}

// values returns the VALUES list of n rows of b.
func (b *batch) values(n int) string {
	row := "(" + strings.Repeat("?,", b.cols-1) + "?)"
	var s strings.Builder
	s.Grow(len(b.head) + n*(len(row)+1))
	s.WriteString(b.head)
	for i := range n {
		if i > 0 {
			s.WriteByte(',')
		}
		s.WriteString(row)
	}
	return s.String()
}

// add queues one row (len(vals) == b.cols), inserting the batch when it is
// full.
func (b *batch) add(ctx context.Context, tx *sql.Tx, vals ...any) error {
	if len(vals) != b.cols {
		panic(fmt.Sprintf("store: %d values for %d columns: %s", len(vals), b.cols, b.head))
	}
	b.args = append(b.args, vals...)
	if len(b.args) < b.max*b.cols {
		return nil
	}
	if b.many == nil {
		st, err := tx.PrepareContext(ctx, b.values(b.max))
		if err != nil {
			return err
		}
		b.many = st
	}
	_, err := b.many.ExecContext(ctx, b.args...)
	b.reset()
	return err
}

// flush inserts the rows queued, one statement a row: a batch is flushed
// early only before the writer reads or changes rows (an incremental build)
// and once at the end.
func (b *batch) flush(ctx context.Context, tx *sql.Tx) error {
	if len(b.args) == 0 {
		return nil
	}
	defer b.reset()
	if b.one == nil {
		st, err := tx.PrepareContext(ctx, b.values(1))
		if err != nil {
			return err
		}
		b.one = st
	}
	for i := 0; i < len(b.args); i += b.cols {
		if _, err := b.one.ExecContext(ctx, b.args[i:i+b.cols]...); err != nil {
			return err
		}
	}
	return nil
}

// hold keeps buf, the buffer of a value of the next row added, until the
// row is inserted; encodeBufs has it back then. (SQLite copies what it is
// given: the buffer serves the next rows.)
func (b *batch) hold(buf *[]byte) { b.bufs = append(b.bufs, buf) }

// reset empties b (letting go of the values it held).
func (b *batch) reset() {
	clear(b.args)
	b.args = b.args[:0]
	for _, buf := range b.bufs {
		encodeBufs.Put(buf)
	}
	clear(b.bufs)
	b.bufs = b.bufs[:0]
}

func (b *batch) close() {
	for _, st := range []*sql.Stmt{b.many, b.one} {
		if st != nil {
			st.Close()
		}
	}
}
