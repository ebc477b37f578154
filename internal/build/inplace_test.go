package build

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/store"
)

// TestAsBuiltInPlace checks that a rebuild keeping the last catalog's
// cross-references writes over the catalog in place (the same file, no
// copy beside it), and so does one that makes them again but changes few
// rows; that one stopped while writing leaves the catalog as it was, byte
// for byte (its transaction rolled back, nothing written before the
// commit); and that a rebuild changing more rows than inPlaceUpTo writes
// a new file and renames it.
func TestAsBuiltInPlace(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		dir, tmp, db, src := builtFixture(t)
		full := filepath.Join(tmp, "full.db")
		sum := func() [32]byte {
			t.Helper()
			b, err := os.ReadFile(db)
			if err != nil {
				t.Fatal(err)
			}
			return sha256.Sum256(b)
		}
		stat := func() os.FileInfo {
			t.Helper()
			st, err := os.Stat(db)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		noneBeside := func(what string) {
			t.Helper()
			for _, s := range []string{".new", "-journal", "-wal"} {
				if _, err := os.Stat(db + s); !os.IsNotExist(err) {
					t.Errorf("%s: %s%s is there", what, db, s)
				}
			}
		}
		run := filepath.Join(dir, "azure", "run_command.yml")
		appendLine(t, run, "# a comment")

		// inPlace stops rebuilds of the change made while they write, then
		// rebuilds it: written over the catalog in place, as a full build.
		inPlace := func(what string, asBuilt bool) {
			t.Helper()
			before, first := sum(), stat()
			for _, at := range []string{"writing", "(100%)"} {
				ctx, cancel := context.WithCancel(context.Background())
				_, err := Build(ctx, Options{DB: db, Sources: src, Progress: &cancelWriter{at: at, cancel: cancel}})
				cancel()
				if !errors.Is(err, context.Canceled) {
					t.Errorf("%s, stopped at %q: err = %v", what, at, err)
				}
				if sum() != before {
					t.Errorf("%s, stopped at %q: the catalog changed", what, at)
				}
				noneBeside(what + ", stopped at " + at)
			}
			rebuild(t, db, src, asBuilt, what)
			if !os.SameFile(first, stat()) {
				t.Errorf("%s: written to another file", what)
			}
			noneBeside(what)
			sameAsFull(t, db, full, src, what)
		}
		// (The limit below the rules of the repository linked again, above the
		// one rule read again: those of unchanged files keep their rows.)
		limit := inPlaceUpTo
		inPlaceUpTo = func(int) int { return 2 }
		inPlace("a comment added", true)
		inPlaceUpTo = limit

		// A change the cross-references read, of few rows: written in place
		// too, and as safely. (The limit below the repository's rules, all
		// of them decoded whole and compared as the writer counts the rows
		// that change; above the rows that do.)
		if err := os.WriteFile(run, []byte(sigmaRule("VM Run Command", "Microsoft.Compute/virtualMachines/delete")), 0o644); err != nil {
			t.Fatal(err)
		}
		inPlaceUpTo = func(int) int { return 2 }
		inPlace("its detection changed", false)
		inPlaceUpTo = limit

		// More rows than an in-place write takes: a new file, renamed.
		defer func(f func(int) int) { inPlaceUpTo = f }(inPlaceUpTo)
		inPlaceUpTo = func(int) int { return 1 }
		writeTree(t, dir, map[string]string{"azure/new1.yml": sigmaRule("New One", runCommand), "azure/new2.yml": sigmaRule("New Two", runCommand)})
		last := stat()
		rebuild(t, db, src, false, "two rules added")
		if os.SameFile(last, stat()) {
			t.Error("a rebuild writing more rows than inPlaceUpTo wrote over the catalog in place")
		}
		noneBeside("renamed")
		sameAsFull(t, db, full, src, "renamed")
	})
}

// TestServeFollows checks what serve reads of a catalog written over in
// place (store.DB.Follows): a rebuild in place still records the build
// served, a new catalog of the same sources does not.
func TestServeFollows(t *testing.T) {
	dir, tmp, db, src := builtFixture(t)
	other := filepath.Join(tmp, "other.db")
	mark := func(p string) string { return openCatalog(t, p).BuildMark(t.Context()) }
	follows := func(p, m string) bool { return openCatalog(t, p).Follows(t.Context(), m) }
	served := mark(db)
	if served == "" {
		t.Fatal("no build recorded")
	}
	run := filepath.Join(dir, "azure", "run_command.yml")
	appendLine(t, run, "# a comment")
	rebuild(t, db, src, true, "a comment added")
	if !follows(db, served) {
		t.Error("the catalog written in place does not record the build it was written over")
	}
	if mark(db) == served {
		t.Error("a rebuild recorded no build of its own")
	}
	// A rebuild into a new file (a copy of the one written in place) says
	// it follows no build.
	inPlace := mark(db)
	appendLine(t, run, "# another comment")
	if _, err := Build(context.Background(), Options{DB: db, Sources: src, NewFile: true}); err != nil {
		t.Fatal(err)
	}
	if follows(db, inPlace) || follows(db, served) {
		t.Error("a catalog written to a new file follows a build")
	}
	// Another catalog, built at once (the same second, maybe the same
	// duration) of the same rules but for one.
	os.Remove(filepath.Join(dir, "azure", "ext_write.yml"))
	if _, err := Build(context.Background(), Options{DB: other, Sources: src, Full: true}); err != nil {
		t.Fatal(err)
	}
	if follows(other, served) {
		t.Error("another catalog follows the build served")
	}
	if follows(db, "") || follows(db, "no mark") {
		t.Error("an empty or unreadable mark is followed")
	}
}

// TestInPlaceHeldBack holds a read transaction on the catalog (as a long
// statement of an export would) while a rebuild writes it in place: the
// commit, which needs the file to itself, waits a moment, gives up, and the
// build runs again into a new file, renamed; the reader is never failed.
func TestInPlaceHeldBack(t *testing.T) {
	dir, tmp, db, src := builtFixture(t)
	full := filepath.Join(tmp, "full.db")
	r, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tx, err := r.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM rules`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	first, _ := os.Stat(db)
	run := filepath.Join(dir, "azure", "run_command.yml")
	appendLine(t, run, "# a comment")
	var out strings.Builder
	if _, err := Build(context.Background(), Options{DB: db, Sources: src, Progress: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "building again into a new file") {
		t.Errorf("the rebuild did not say it built again; progress:\n%s", out.String())
	}
	if st, _ := os.Stat(db); os.SameFile(first, st) {
		t.Error("the catalog held back was written in place")
	}
	var again int
	if err := tx.QueryRow(`SELECT count(*) FROM rules`).Scan(&again); err != nil || again != n {
		t.Errorf("the reader, after: %d rules (%v), before %d", again, err, n)
	}
	tx.Rollback()
	sameAsFull(t, db, full, src, "held back")
}

// builtFixture builds the fixture (source "fixture", in dir) into db, in
// the folder tmp.
func builtFixture(t *testing.T) (dir, tmp, db string, src []Source) {
	t.Helper()
	dir, _ = fixture(t)
	tmp = t.TempDir()
	src = []Source{{Name: "fixture", Path: dir}}
	db = filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	return dir, tmp, db, src
}

// appendLine adds a line to the file at p.
func appendLine(t testing.TB, p, line string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// openCatalog opens the catalog at p for the test, closed when it ends.
func openCatalog(t *testing.T, p string) *store.DB {
	t.Helper()
	d, err := store.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
