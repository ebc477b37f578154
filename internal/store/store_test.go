package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
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
