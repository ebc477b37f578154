package store

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
)

// TestRecoverJournal makes what a build writing a catalog in place leaves
// when it is killed in the middle of its commit (pages of the file written,
// the rollback journal beside it) and checks that a reader opening it gets
// the catalog as it was, the journal rolled back, where SQLite's read-only
// connection alone fails every read.
func TestRecoverJournal(t *testing.T) {
	dir, _ := fixture(t)
	tmp := t.TempDir()
	db := filepath.Join(tmp, "c.db")
	testBuild(t, db, Source{Name: "fixture", Path: dir})
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	want, err := d.IDs(t.Context())
	d.Close()
	if err != nil || len(want) == 0 {
		t.Fatalf("ids %v %v", want, err)
	}
	orig, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}

	// A transaction whose pages spill to the file before its commit (a
	// one-page cache), copied with its journal as a crash would leave them.
	w, err := sql.Open("sqlite", dsn(db, false, "journal_mode(DELETE)", "cache_size(1)"))
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	tx, err := w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM facets`, `DELETE FROM rules`, `DELETE FROM held`, `DELETE FROM findings`} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	crashed := func(name string) string {
		t.Helper()
		p := filepath.Join(tmp, name)
		for _, s := range []string{"", "-journal"} {
			b, err := os.ReadFile(db + s)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p+s, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	a, b := crashed("a.db"), crashed("b.db")
	tx.Rollback()
	w.Close()
	if torn, _ := os.ReadFile(a); bytes.Equal(torn, orig) {
		t.Fatal("no page of the transaction reached the file: nothing to roll back")
	}

	// SQLite's read-only connection fails on the hot journal.
	ro, err := sql.Open("sqlite", dsn(b, true))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := ro.QueryRow(`SELECT count(*) FROM rules`).Scan(&n); err == nil {
		t.Errorf("a read-only connection read %d rules past a hot journal", n)
	}
	ro.Close()

	d, err = Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, err := d.IDs(t.Context())
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("after the crash: %d rules (%v), want the %d of the catalog before", len(got), err, len(want))
	}
	if _, err := os.Stat(a + "-journal"); !os.IsNotExist(err) {
		t.Errorf("the journal is still there (%v)", err)
	}
}

// TestFewChanges checks the count that decides a write in place
// (Write.InPlaceUpTo): rules gone count, and the asking stops once past
// the limit.
func TestFewChanges(t *testing.T) {
	var asked atomic.Int64
	even := func(k int) bool { asked.Add(1); return k%2 == 0 }
	for _, c := range []struct {
		n, gone, limit int
		want           bool
	}{
		{1000, 0, 500, true}, {1000, 0, 499, false}, {1000, 1, 500, false}, {1000, 600, 500, false}, {0, 0, 0, true},
	} {
		asked.Store(0)
		if got := fewChanges(c.n, c.gone, c.limit, even); got != c.want {
			t.Errorf("%d rules (half changed), %d gone, limit %d: %v, want %v", c.n, c.gone, c.limit, got, c.want)
		}
	}
	asked.Store(0)
	fewChanges(100000, 0, 10, even)
	if n := asked.Load(); n > 10000 {
		t.Errorf("asked %d of 100,000 rules to find 11 changed", n)
	}
}
