package store

import (
	"context"
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
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteIOErr, sqliteCorrupt, sqliteNotADB:
			return true
		}
	}
	return false
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
