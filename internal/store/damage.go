package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// Result codes of SQLite that say the file under a reader is no longer a
// sound database (https://www.sqlite.org/rescode.html): the low byte is the
// primary code, extended codes such as SQLITE_IOERR_SHORT_READ (a file cut
// short) keep it.
const (
	sqliteIOErr   = 10 // SQLITE_IOERR: the file could not be read
	sqliteCorrupt = 11 // SQLITE_CORRUPT: "database disk image is malformed"
	sqliteNotADB  = 26 // SQLITE_NOTADB: "file is not a database"
	// SQLITE_READONLY_ROLLBACK (an extended code): a build writing the
	// catalog in place was stopped in its commit, and a read-only reader
	// cannot roll its journal back (RecoverJournal: opening the catalog
	// again does).
	sqliteReadOnlyRollback = 776
)

// ErrDamaged is what Damaged errors are: the catalog file was changed under
// its reader (written over in place, cut short) and a read found it unsound.
var ErrDamaged = errors.New("the catalog file is damaged")

// damagedError wraps the SQLite error that found the damage.
type damagedError struct{ err error }

func (e *damagedError) Error() string   { return ErrDamaged.Error() + ": " + e.err.Error() }
func (e *damagedError) Unwrap() []error { return []error{ErrDamaged, e.err} }

// Damaged reports whether err, from a read of a catalog, says the file is
// damaged rather than that the request failed: a corrupt page, a file that
// is no database, a read cut short.
func Damaged(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrDamaged) {
		return true
	}
	code := sqliteCode(err)
	switch code & 0xff {
	case sqliteIOErr, sqliteCorrupt, sqliteNotADB:
		return true
	}
	return code == sqliteReadOnlyRollback
}

// sqliteCode returns the SQLite result code (extended) that err carries, 0
// when none.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// AsDamaged returns err marked as ErrDamaged when Damaged(err), else err.
func AsDamaged(err error) error {
	if err == nil || errors.Is(err, ErrDamaged) || !Damaged(err) {
		return err
	}
	return &damagedError{err}
}

// maxCheckLines bounds what Check says of a damaged file.
const maxCheckLines = 5

// Check runs SQLite's quick_check over the catalog (every page and index
// entry read once, https://www.sqlite.org/pragma.html#pragma_quick_check)
// and returns nil when the file is sound, else an ErrDamaged error with the
// first of the problems found.
func (d *DB) Check(ctx context.Context) error {
	rows, err := d.db.QueryContext(ctx, fmt.Sprintf("PRAGMA quick_check(%d)", maxCheckLines))
	if err != nil {
		if Damaged(err) {
			return AsDamaged(err)
		}
		return err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return AsDamaged(err)
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		return AsDamaged(err)
	}
	if len(lines) == 1 && lines[0] == "ok" {
		return nil
	}
	return &damagedError{errors.New(strings.Join(lines, "; "))}
}

// lastBuildQuery reads the catalog's last build (markOf).
const lastBuildQuery = `SELECT n, time, duration_ms, summary FROM builds ORDER BY n DESC LIMIT 1`

// markOf names the build row read by lastBuildQuery, "" when none.
func markOf(row *sql.Row) string {
	var n, ms int64
	var at, sum string
	if row.Scan(&n, &at, &ms, &sum) != nil {
		return ""
	}
	return fmt.Sprintf("%d %s %d %x", n, at, ms, sha256.Sum256([]byte(sum)))
}

// BuildMark names the last build the catalog records (its number, time,
// duration and summary), "" when it records none.
func (d *DB) BuildMark(ctx context.Context) string {
	return markOf(d.db.QueryRowContext(ctx, lastBuildQuery))
}

// Follows tells whether the catalog was written over in place by a build,
// in one SQLite transaction, over the catalog whose last build BuildMark
// named b (the build records it: Write.InPlaceUpTo), so it is as sound as
// that one was; what else writes over a catalog in place (a copy of
// another catalog, unless one a build wrote in place over that very
// build) is checked whole before it is served (Check).
func (d *DB) Follows(ctx context.Context, b string) bool {
	var over string
	return b != "" && d.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'written_over'`).Scan(&over) == nil && over == b
}
