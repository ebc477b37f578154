package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order; their file names
// start with their version number.
func migrations() []migration {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		panic(err)
	}
	var ms []migration
	for _, e := range ents {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			panic("store: migration without a number: " + e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms
}

// SchemaVersion is the schema version this build of ruledex writes and reads.
func SchemaVersion() int {
	ms := migrations()
	return ms[len(ms)-1].version
}

// migrate applies to db every migration newer than its user_version, each in
// its own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	var have int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return err
	}
	for _, m := range migrations() {
		if m.version <= have {
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// dsn returns the driver's name for the database file p with pragmas.
func dsn(p string, readOnly bool, pragmas ...string) string {
	q := url.Values{}
	if readOnly {
		q.Set("mode", "ro")
	}
	for _, pr := range pragmas {
		q.Add("_pragma", pr)
	}
	return "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + q.Encode()
}

// ErrNotFound is returned when a rule id is not in the catalog.
var ErrNotFound = errors.New("no such rule in the catalog")

// DB is an open catalog, read-only. Its methods are safe for concurrent use.
type DB struct {
	db   *sql.DB
	path string

	once   sync.Once // loads idx on first use
	idx    *index
	idxErr error

	actOnce sync.Once // loads act on first use
	act     *actionIndex
	actErr  error

	indOnce sync.Once // loads inds and indUses on first use
	inds    []IndicatorSummary
	indUses map[string][]indicatorUse // by folded value, by rule
	indErr  error

	canonOnce sync.Once // loads canon on first use
	canon     []CanonicalSummary
	canonErr  error

	valuedOnce sync.Once // makes valued from inds
	valued     map[string]bool

	namesMu sync.Mutex                // held while names are loaded, on first use (links.go)
	names   atomic.Pointer[linkNames] // nil until loaded

	version string

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // prepared statements, by their SQL

	tokOnce sync.Once // makes tok on first use (tokensOf)
	tok     *tokenizer
	tokErr  error

	ranked rankCache  // the rules matching a search text, best first
	sorts  sortOrders // the rules in each order of Sorts (sort.go)

	sumMu sync.Mutex
	sums  map[int64]RuleSummary // the summaries read so far: a catalog does not change under its reader (but by a build in place: serve opens it anew)

	keysOnce sync.Once // loads keys on first use (suggest.go)
	keys     []ruleKey
	keysErr  error
}

// Open opens the catalog built at path, read-only.
func Open(p string) (*DB, error) { return open(p) }

// open is Open with more pragmas.
func open(p string, pragmas ...string) (*DB, error) {
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("open catalog: %w (build one with `ruledex build`)", err)
	}
	RecoverJournal(p)
	db, err := sql.Open("sqlite", dsn(p, true, append([]string{"busy_timeout(5000)", "query_only(1)"}, pragmas...)...))
	if err != nil {
		return nil, err
	}
	if err := openPool(db, p); err != nil {
		db.Close()
		return nil, err
	}
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("open catalog %s: %w", p, err)
	}
	if want := SchemaVersion(); v != want {
		db.Close()
		return nil, fmt.Errorf("catalog %s has schema version %d, this ruledex reads %d: rebuild it with `ruledex build`", p, v, want)
	}
	d := &DB{db: db, path: p}
	var n, rules int64
	var t string
	db.QueryRow(`SELECT n, time FROM builds ORDER BY n DESC LIMIT 1`).Scan(&n, &t)
	db.QueryRow(`SELECT count(*) FROM rules`).Scan(&rules)
	d.version = fmt.Sprintf("%d-%d-%s", n, rules, strings.NewReplacer(":", "", "-", "").Replace(t))
	return d, nil
}

// poolSize is the number of connections a reader keeps open.
var poolSize = max(4, 2*runtime.GOMAXPROCS(0))

// openPool opens every connection db will use, now, and keeps them open
// for its life. A build replaces the catalog at p by renaming a new file
// over it (or writes over it in place, which every connection sees); a
// connection opened later would read the new file while the others (and
// what the reader made of them) are of the old one. So all are
// opened at once and checked to read the same build (tried again, up to
// three times, when a build was renamed in between).
func openPool(db *sql.DB, p string) error {
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	ctx := context.Background()
	for try := 0; ; try++ {
		conns := make([]*sql.Conn, 0, poolSize)
		var first string
		same := true
		var err error
		for range poolSize {
			var c *sql.Conn
			if c, err = db.Conn(ctx); err != nil {
				break
			}
			conns = append(conns, c)
			id := markOf(c.QueryRowContext(ctx, lastBuildQuery)) // the last build's
			if len(conns) == 1 {
				first = id
			} else if id != first {
				same = false
			}
		}
		for _, c := range conns {
			if !same {
				c.Raw(func(any) error { return driver.ErrBadConn }) // closed, not pooled
			}
			c.Close()
		}
		switch {
		case err != nil:
			return fmt.Errorf("open catalog %s: %w", p, err)
		case same:
			return nil
		case try == 2:
			return fmt.Errorf("open catalog %s: it was replaced three times while it was being opened", p)
		}
	}
}

// Version identifies this build of the catalog: it changes with every build.
func (d *DB) Version() string { return d.version }

// IDs returns the id of every rule, sorted.
func (d *DB) IDs(ctx context.Context) ([]string, error) {
	return scanStrings(d.db.QueryContext(ctx, `SELECT id FROM rules ORDER BY id`))
}

// Close closes the catalog.
func (d *DB) Close() error {
	d.stmtMu.Lock()
	for _, st := range d.stmts {
		st.Close()
	}
	d.stmts = nil
	d.stmtMu.Unlock()
	d.tokOnce.Do(func() {}) // none made after, and the one made is seen
	if d.tok != nil {
		d.tok.close()
	}
	return d.db.Close()
}

// prepared returns the statement q prepared once for the life of d (and
// each connection): parsing the SQL of a search's statements anew cost a
// tenth of a search. q must be one of a fixed set of texts.
func (d *DB) prepared(q string) (*sql.Stmt, error) {
	d.stmtMu.Lock()
	defer d.stmtMu.Unlock()
	if st := d.stmts[q]; st != nil {
		return st, nil
	}
	st, err := d.db.Prepare(q)
	if err != nil {
		return nil, err
	}
	if d.stmts == nil {
		d.stmts = map[string]*sql.Stmt{}
	}
	d.stmts[q] = st
	return st, nil
}

// Path returns the file the catalog was opened from.
func (d *DB) Path() string { return d.path }

// RecoverJournal rolls back what a build writing the catalog at p in place
// (Write.InPlaceUpTo) left when it was stopped in the middle of its commit: a
// rollback journal beside it, which SQLite rolls back when a connection
// that may write reads the file (https://www.sqlite.org/atomiccommit.html,
// "hot journals"). A read-only connection cannot, and fails every read
// until one does ("attempt to write a readonly database"), so a reader
// opening the catalog does it first. Nothing is done when there is no
// journal, or the file may not be written (read-only media: the reader
// fails as before), or a build is writing it (its journal is not hot:
// SQLite leaves it alone).
func RecoverJournal(p string) {
	if st, err := os.Stat(p + "-journal"); err != nil || st.Size() == 0 {
		return
	}
	db, err := sql.Open("sqlite", dsn(p, false, "busy_timeout(5000)"))
	if err != nil {
		return
	}
	defer db.Close()
	var n int
	db.QueryRow(`SELECT count(*) FROM sqlite_schema`).Scan(&n)
}
