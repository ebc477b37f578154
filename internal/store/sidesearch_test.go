package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSideSearchIndex: a new catalog's search index, made in a side file
// and copied in, is whole (FTS5's integrity-check), has a row a rule, is
// one segment (optimized), merges as FTS5's default has it for the
// incremental builds to come (automerge 4), finds what a search finds; and
// the side file is gone.
func TestSideSearchIndex(t *testing.T) {
	sideHashSize = 512 // a segment every few rules: the merge has work
	t.Cleanup(func() { sideHashSize = 0 })
	dir, _ := fixture(t)
	p := filepath.Join(t.TempDir(), "c.db")
	testBuild(t, p, Source{Name: "fixture", Path: dir})
	if _, err := os.Stat(p + ".new" + sideSuffix); !os.IsNotExist(err) {
		t.Errorf("side file left: %v", err)
	}
	db, err := sql.Open("sqlite", dsn(p, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO search(search, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Errorf("integrity-check: %v", err)
	}
	var rules, docs, automerge, crisis, hash, segments int
	var structure []byte
	for _, q := range []struct {
		sql string
		v   any
	}{
		{`SELECT count(*) FROM rules`, &rules},
		{`SELECT count(*) FROM search_docsize`, &docs},
		{`SELECT v FROM search_config WHERE k = 'automerge'`, &automerge},
		{`SELECT v FROM search_config WHERE k = 'hashsize'`, &hash},
		{`SELECT v FROM search_config WHERE k = 'crisismerge'`, &crisis},
		{`SELECT block FROM search_data WHERE id = 10`, &structure},
		{`SELECT count(DISTINCT segid) FROM search_idx`, &segments},
	} {
		if err := db.QueryRow(q.sql).Scan(q.v); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if rules == 0 || docs != rules || automerge != 4 || crisis != 16 || hash != 1<<20 || len(structure) == 0 || segments != 1 {
		t.Errorf("%d rules, %d search rows, automerge %d, crisismerge %d, hashsize %d (set on the side connection alone), structure of %d bytes, %d segments",
			rules, docs, automerge, crisis, hash, len(structure), segments)
	}
	d, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if res, err := d.Search(context.Background(), Query{Text: "runCommand"}); err != nil || res.Total != 2 {
		t.Errorf("search runCommand: %d rules, %v; want 2", res.Total, err)
	}
}

// TestSideSearchAbandon: a side index abandoned (the build failed) stops:
// it neither merges nor commits what it has, and its file is removed. (The
// writer took the rows' channel closed as the end at random.)
func TestSideSearchAbandon(t *testing.T) {
	dir := t.TempDir()
	committed := 0
	for i := range 50 {
		p := filepath.Join(dir, fmt.Sprintf("c%d.db", i))
		db, err := openWrite(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := migrate(t.Context(), db); err != nil {
			t.Fatal(err)
		}
		s, err := startSideSearch(t.Context(), db, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.add(t.Context(), 1, searchDoc{title: "t", query: "q"}); err != nil {
			t.Fatal(err)
		}
		if err := s.close(); err == nil {
			committed++
		}
		db.Close()
		if _, err := os.Stat(p + sideSuffix); !os.IsNotExist(err) {
			t.Errorf("side file left: %v", err)
		}
	}
	if committed > 0 {
		t.Errorf("%d of 50 abandoned side indexes merged and committed", committed)
	}
}

// TestSideSearchGivenMerges: once told its rows are all given (given), the
// side writer merges and commits its index without waiting for end (which
// the writer reaches only after a fresh catalog's indexes); end then finds
// it done. Abandoned after given, it stops and its file is removed.
func TestSideSearchGivenMerges(t *testing.T) {
	sideHashSize = 512
	t.Cleanup(func() { sideHashSize = 0 })
	for _, abandon := range []bool{false, true} {
		p, s := newSideSearch(t)
		for n := range int64(200) {
			d := searchDoc{title: fmt.Sprintf("rule %d word%d", n, n%17), query: fmt.Sprintf("process where name == \"x%d.exe\"", n)}
			if err := s.add(t.Context(), n+1, d); err != nil {
				t.Fatal(err)
			}
		}
		s.given()
		if abandon {
			s.close()
			s.close() // (twice: nothing more)
			if _, err := os.Stat(p + sideSuffix); !os.IsNotExist(err) {
				t.Errorf("side file left: %v", err)
			}
			continue
		}
		select {
		case err := <-s.done: // (before end: the merge did not wait for it)
			s.done <- err
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			t.Fatal("the side writer did not merge once its rows were given")
		}
		if err := s.end(); err != nil {
			t.Fatal(err)
		}
		if err := s.add(t.Context(), 999, searchDoc{title: "late"}); err == nil {
			t.Error("a row given after the last was taken")
		}
		side, err := sql.Open("sqlite", dsn(p+sideSuffix, true))
		if err != nil {
			t.Fatal(err)
		}
		var docs, segments, crisis int
		for q, v := range map[string]*int{
			`SELECT count(*) FROM search_docsize`:                 &docs,
			`SELECT count(DISTINCT segid) FROM search_idx`:        &segments,
			`SELECT v FROM search_config WHERE k = 'crisismerge'`: &crisis,
		} {
			if err := side.QueryRow(q).Scan(v); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		side.Close()
		if docs != 200 || segments != 1 || crisis != 16 {
			t.Errorf("side index: %d rows, %d segments, crisismerge %d; want 200, 1, 16", docs, segments, crisis)
		}
		s.close()
	}
}

// TestSideSearchManySegments: a side index of many more segments than
// FTS5's 2,000 (one a row here) is written and merged: the crisis merges
// held back on the side connection (sideCrisisMerge) still come before
// FTS5 runs out of segment ids (it failed with "database or disk is full"
// at row 5,024 with crisismerge 1,999).
func TestSideSearchManySegments(t *testing.T) {
	sideHashSize = 1 // a segment a row
	t.Cleanup(func() { sideHashSize = 0 })
	_, s := newSideSearch(t)
	defer s.close()
	for n := range int64(6500) {
		if err := s.add(t.Context(), n+1, searchDoc{title: fmt.Sprintf("rule %d", n), query: "q"}); err != nil {
			t.Fatalf("row %d: %v", n+1, err)
		}
	}
	if err := s.end(); err != nil {
		t.Fatal(err)
	}
}

// newSideSearch starts a side writer for a new catalog in a folder of the
// test's, and returns the catalog's path and the writer.
func newSideSearch(t *testing.T) (string, *sideSearch) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.db")
	db, err := openWrite(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	s, err := startSideSearch(t.Context(), db, p)
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}
