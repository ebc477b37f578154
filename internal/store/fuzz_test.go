package store

import (
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzSearch checks that no search text makes an FTS5 syntax error or a
// panic, and that snippet marks stay inside their text.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"runCommand", runCommand, `"a b" -c d* OR e`, `title:x`, `-`, `"`, `a"b`, `OR OR`,
		`NEAR(a b)`, `a AND b NOT c`, `{title}: x`, `^x`, `x:y:z`, `*`, `-"x`, `é/ü.ß`, "\x00\xff", `(((`, `cmd.exe -whoami`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		d := fuzzDB(t)
		res, err := d.Search(t.Context(), Query{Text: q, PerPage: 5})
		if IsQueryError(err) {
			return // a quote left open: the user is told
		}
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		for _, h := range res.Hits {
			for _, m := range h.Marks {
				if m.Start < 0 || m.End > len(h.Text) || m.Start >= m.End {
					t.Fatalf("%q: mark %v outside %q", q, m, h.Text)
				}
			}
			if !utf8.ValidString(h.Text) && utf8.ValidString(q) {
				t.Fatalf("%q: snippet not UTF-8: %q", q, h.Text)
			}
		}
	})
}

var fuzzCatalog *DB

func fuzzDB(t *testing.T) *DB {
	if fuzzCatalog != nil {
		return fuzzCatalog
	}
	dir, _ := fixture(t)
	db := filepath.Join(filepath.Dir(dir), "fuzz.db")
	testBuild(t, db, Source{Name: "fixture", Path: dir})
	d, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	fuzzCatalog = d
	return d
}
