package store

import (
	"cmp"
	"database/sql"
	"testing"
)

// TestFoldNoCase: two values folded by foldNoCase compare, byte by byte,
// as SQLite's NOCASE collation compares them (how the facets table's
// values are grouped where they are read: eachFacetGroup).
func TestFoldNoCase(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vals := []string{"", "a", "A", "Z", "z", "_", "A_", "a_", "Za", "zA", "[", "@", "`", "{", "T1059", "t1059.001",
		"Process_Creation", "process creation", "ÄB", "äb", "é", "É", "a\x00b", "A\x00B", "ab", "aB", "Ab"}
	for _, a := range vals {
		for _, b := range vals {
			var want int
			if err := db.QueryRow(`SELECT CASE WHEN ?1 = ?2 COLLATE NOCASE THEN 0 WHEN ?1 < ?2 COLLATE NOCASE THEN -1 ELSE 1 END`, a, b).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got := cmp.Compare(foldNoCase(a), foldNoCase(b)); got != want {
				t.Errorf("foldNoCase(%q) against foldNoCase(%q): %d, SQLite's NOCASE %d", a, b, got, want)
			}
		}
	}
	if s := "lower_only"; foldNoCase(s) != s {
		t.Errorf("foldNoCase(%q) = %q", s, foldNoCase(s))
	}
}
