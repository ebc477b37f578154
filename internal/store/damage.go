package store

import (
	"context"
	"crypto/sha256"
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

// BuildMark names the last build the catalog records (its number, time,
// duration and summary), "" when it records none.
func (d *DB) BuildMark(ctx context.Context) string {
	var n, ms int64
	var at, sum string
	if d.db.QueryRowContext(ctx, `SELECT n, time, duration_ms, summary FROM builds ORDER BY n DESC LIMIT 1`).Scan(&n, &at, &ms, &sum) != nil {
		return ""
	}
	return fmt.Sprintf("%d %s %d %x", n, at, ms, sha256.Sum256([]byte(sum)))
}

// Follows tells whether the catalog records the build that BuildMark named
// b: a build wrote it over the catalog of build b in place (one SQLite
// transaction, package build), so it is as sound as that one was; what
// else writes over a catalog in place is checked whole before it is
// served (Check).
func (d *DB) Follows(ctx context.Context, b string) bool {
	var n int64
	if _, err := fmt.Sscanf(b, "%d ", &n); err != nil {
		return false
	}
	rows, err := d.db.QueryContext(ctx, `SELECT n, time, duration_ms, summary FROM builds WHERE n = ?`, n)
	if err != nil {
		return false
	}
	defer rows.Close()
	for rows.Next() {
		var ms int64
		var at, sum string
		if rows.Scan(&n, &at, &ms, &sum) == nil && fmt.Sprintf("%d %s %d %x", n, at, ms, sha256.Sum256([]byte(sum))) == b {
			return true
		}
	}
	return false
}
