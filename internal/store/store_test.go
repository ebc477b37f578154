package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestMigrations(t *testing.T) {
	ms := migrations()
	for i, m := range ms {
		if m.version != i+1 {
			t.Errorf("migration %s has version %d, want %d (numbered from 1, no gaps)", m.name, m.version, i+1)
		}
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// Step by step: version 1 first, as an older ruledex left it, then the rest.
	if _, err := db.Exec(ms[0].sql + "; PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	if err := migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	if err := migrate(context.Background(), db); err != nil { // nothing left to do
		t.Fatal(err)
	}
	var v int
	db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion() {
		t.Errorf("user_version %d, want %d", v, SchemaVersion())
	}
	for _, table := range []string{"files", "rules", "facets", "search", "indicators", "builds", "meta"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

func TestOpenOldSchema(t *testing.T) {
	p := filepath.Join(t.TempDir(), "old.db")
	db, err := openWrite(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations()[0].sql + "; PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("old schema: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.db")); err == nil || !strings.Contains(err.Error(), "ruledex build") {
		t.Errorf("missing catalog: %v", err)
	}
}

// TestReaderKeepsItsBuild: a catalog opened before a build replaces it is
// read whole from the file it opened, however many connections its
// readers use at once afterwards.
func TestReaderKeepsItsBuild(t *testing.T) {
	dir, _ := fixture(t)
	db := filepath.Join(t.TempDir(), "c.db")
	src := []Source{{Name: "fixture", Path: dir}}
	testBuild(t, db, src...)
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	old, err := d.IDs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{"azure/added.yml": sigmaRule("Added After Open", runCommand)})
	testBuild(t, db, src...)
	if d2, err := Open(db); err != nil {
		t.Fatal(err)
	} else if ids, _ := d2.IDs(t.Context()); len(ids) != len(old)+1 {
		t.Fatalf("the new catalog has %d rules, the old %d", len(ids), len(old))
	} else {
		d2.Close()
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*poolSize)
	for range 4 * poolSize {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				ids, err := d.IDs(t.Context())
				if err != nil || len(ids) != len(old) {
					errs <- fmt.Sprintf("%d rules (%v), the catalog opened has %d", len(ids), err, len(old))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
