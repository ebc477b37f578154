package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// A new catalog's search index is made on a connection of its own, in a
// file of its own beside the catalog (sideSearch), while the writer inserts
// every other row: SQLite writes on one core, and FTS5's tokenizing,
// merging and final optimize were 46% of the writer's SQLite time (at
// 10,938 rules, 2026-12-07). Once the writer's transaction is committed,
// the index's tables (https://sqlite.org/fts5.html#fts5_table_creation_and_initialization:
// %_data, %_idx, %_docsize, %_config) are copied into the catalog in a
// second one, through the side file attached to its connection then (a
// connection holds a shared lock on every file attached to it through its
// transactions, which would stop the side writer). A new catalog is
// renamed into place only once both are committed. The catalog's own
// search table is not used on that connection before the copy (nothing
// of it cached there), nor after it.

// sideHashSize, when set, is FTS5's hashsize on the side connection (how
// much it holds in memory before it writes a segment; fts5_config.c): a
// test sets it small, so that a small catalog's index has many segments
// before its merge.
var sideHashSize int

// sideCrisisMerge is FTS5's crisismerge on the side connection: more
// segments a level than the side writer makes at 164,070 rules (about 400
// of the 1 MiB hash), and few enough that all the index's levels together
// stay under FTS5's 2,000 segments (fts5AllocateSegid fails with
// SQLITE_FULL past them, whatever the level): a level holds at most 499,
// and a fourth level would take 500³ segments written.
const sideCrisisMerge = 500

// sideSuffix is the name of the side file, after the catalog's.
const sideSuffix = "-search"

// searchRow is a rule's search text (searchDocOf) and its row.
type searchRow struct {
	n int64
	d searchDoc
}

// sideSearch is the writer of a new catalog's search index in a side file.
type sideSearch struct {
	path   string
	rows   chan searchRow
	done   chan error
	quit   chan struct{} // closed when the writing is abandoned
	cancel context.CancelFunc
	ended  bool // end waited for the side writer
	closed bool
}

// sideSchema is what the side file attached to the catalog's connection is
// named there.
const sideSchema = "side"

// startSideSearch creates the side file of the new catalog db (at the
// path catalog), with the catalog's search table, and starts its writer.
func startSideSearch(ctx context.Context, db *sql.DB, catalog string) (*sideSearch, error) {
	var create string
	if err := db.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE name = 'search'`).Scan(&create); err != nil {
		return nil, fmt.Errorf("search table: %w", err)
	}
	path := catalog + sideSuffix
	os.Remove(path)
	sdb, err := openWrite(path)
	if err != nil {
		return nil, err
	}
	setup := []string{create,
		// https://sqlite.org/fts5.html#the_automerge_configuration_option:
		// no merging as segments come; one optimize at the end. Nor the
		// merge FTS5 forces once a level holds crisismerge segments
		// (https://sqlite.org/fts5.html#the_crisismerge_configuration_option,
		// 16 by default): each such merge writes the index again, level by
		// level, where the optimize writes it once. At N = 15 forks of the
		// corpus (2026-12-07, --cpuprofile) the side writer's CPU went from
		// 24.2 to 19.8 s: the crisis merges' 5.8 s gone, the optimize 3.0 →
		// 5.5 s. (sideCrisisMerge: a larger index merges a level as it
		// fills again.)
		`INSERT INTO search(search, rank) VALUES ('automerge', 0)`,
		fmt.Sprintf(`INSERT INTO search(search, rank) VALUES ('crisismerge', %d)`, sideCrisisMerge)}
	if sideHashSize > 0 {
		setup = append(setup, fmt.Sprintf(`INSERT INTO search(search, rank) VALUES ('hashsize', %d)`, sideHashSize))
	}
	for _, q := range setup {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			sdb.Close()
			os.Remove(path)
			return nil, err
		}
	}
	s := &sideSearch{path: path, rows: make(chan searchRow, 1024), done: make(chan error, 1), quit: make(chan struct{})}
	rows := s.rows                          // (the field is the writer's: nil once closed)
	ctx, s.cancel = context.WithCancel(ctx) // (close stops a merge under way)
	go func() {
		err := s.write(ctx, sdb, rows)
		s.done <- err
		for range rows { // what the writer gives after an error
		}
	}()
	return s, nil
}

// write inserts the rows it is given, then merges the index into one
// segment: searches of few words take half the time.
func (s *sideSearch) write(ctx context.Context, sdb *sql.DB, rows <-chan searchRow) error {
	defer sdb.Close()
	tx, err := sdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// One row a statement, not the writer's batches: a statement of many
	// rows is one that may fail half-way, which SQLite opens a savepoint
	// for (https://sqlite.org/lang_savepoint.html), and FTS5 writes what it
	// holds in memory to the disk at each savepoint (fts5SavepointMethod),
	// as a segment of its own: 9.5 s of the 23.7 s this writing took at
	// N = 15 with rows 256 a statement, and the more segments to merge.
	// (On the writer's connection every batch of every table is such a
	// statement, and FTS5 is called at each once written to: that is half
	// of why the index is written on a connection of its own.)
	st, err := tx.PrepareContext(ctx, searchInsert+` VALUES (?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for {
		// Abandoned (close): not a row more, not the merge, whatever rows
		// are ready (a select picks among ready cases at random).
		select {
		case <-s.quit:
			return errors.New("search index abandoned")
		default:
		}
		select {
		case r, ok := <-rows:
			if !ok {
				// (hashsize and crisismerge back to FTS5's defaults too: the
				// catalog's incremental builds merge as FTS5 has it.)
				for _, q := range append(searchMerged, `INSERT INTO search(search, rank) VALUES ('hashsize', 1048576)`,
					`INSERT INTO search(search, rank) VALUES ('crisismerge', 16)`) {
					if _, err := tx.ExecContext(ctx, q); err != nil {
						return err
					}
				}
				return tx.Commit()
			}
			d := r.d
			if _, err := st.ExecContext(ctx, r.n, d.title, d.description, d.query, d.fields, d.vals, d.meta, d.parts); err != nil {
				return err
			}
		case <-s.quit:
			return errors.New("search index abandoned")
		}
	}
}

// add gives the side writer the search text of rule n.
func (s *sideSearch) add(ctx context.Context, n int64, d searchDoc) error {
	if s.rows == nil {
		return errors.New("search index: a row given after the last (given)")
	}
	select {
	case s.rows <- searchRow{n, d}:
		return nil
	case err := <-s.done: // it stopped, on an error
		s.done <- err // (for copyInto or close)
		return fmt.Errorf("search index: %w", err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// given tells the side writer that its rows are all given: it merges its
// index then, while the writer goes on (a fresh catalog's indexes: at N =
// 15 forks of the corpus, 2026-12-07, the merge took 5.1 s and waited for
// the 13.6 s of indexes, on one core, when the writer said so only in
// end).
func (s *sideSearch) given() {
	if s.rows != nil {
		close(s.rows)
		s.rows = nil
	}
}

// end waits for the side writing to end, its rows all given.
func (s *sideSearch) end() error {
	s.given()
	s.ended = true
	err := <-s.done
	s.done <- err // (for copyInto)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// copyInto copies the side index, ended, into the catalog db (its one
// connection, in no transaction) in one transaction. The catalog's search
// table must not be used on that connection after it (nor before: see
// above): FTS5 would keep, and could write back, what it read of it.
func (s *sideSearch) copyInto(ctx context.Context, db *sql.DB) error {
	if err := <-s.done; err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if _, err := db.ExecContext(ctx, `ATTACH DATABASE ? AS `+sideSchema, s.path); err != nil {
		return err
	}
	defer db.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE `+sideSchema)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range []string{"search_data", "search_idx", "search_docsize", "search_config"} {
		for _, q := range []string{`DELETE FROM main.` + t, `INSERT INTO main.` + t + ` SELECT * FROM ` + sideSchema + `.` + t} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("search index: %s: %w", q, err)
			}
		}
	}
	return tx.Commit()
}

// close abandons the side writing if it did not end and removes the side
// file. It returns what the side writer answered when it was abandoned
// (nil: it had merged and committed all the same).
func (s *sideSearch) close() error {
	if s == nil {
		return nil
	}
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if !s.ended {
		close(s.quit)
		s.cancel()
		s.given()
		err = <-s.done
	}
	s.cancel()
	os.Remove(s.path)
	return err
}
