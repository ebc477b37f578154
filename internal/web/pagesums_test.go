package web

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestRulePageSums compares every rule page of a catalog with the pages a
// version of ruledex made before, by their SHA-256: a change meant to make
// pages faster (the highlighter, the page's writer) must keep them byte for
// byte (but for the catalog's version, which names the build: the two
// catalogs may be two builds of the same sources). RULEDEX_BENCH_DB names
// the catalog, RULEDEX_PAGE_SUMS a file of "path sum" lines: written when
// it does not exist (run it first with the code before the change),
// compared with otherwise.
//
//	RULEDEX_BENCH_DB=c.db RULEDEX_PAGE_SUMS=/tmp/sums go test -run RulePageSums ./internal/web
func TestRulePageSums(t *testing.T) {
	db, file := os.Getenv("RULEDEX_BENCH_DB"), os.Getenv("RULEDEX_PAGE_SUMS")
	if db == "" || file == "" {
		t.Skip("set RULEDEX_BENCH_DB to a catalog and RULEDEX_PAGE_SUMS to a file of the pages' sums")
	}
	cat, err := OpenStore(db)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	s, err := New(cat)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := cat.RuleIDs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string]string, len(ids))
	var order []string
	for _, id := range ids {
		p := RulePath(id)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		if w.Code != 200 {
			t.Fatalf("%s: %d", p, w.Code)
		}
		// The catalog's version (in the footer) names the build, not the page.
		sum := sha256.Sum256(bytes.ReplaceAll(w.Body.Bytes(), []byte(cat.Version()), []byte("VERSION")))
		got[p] = hex.EncodeToString(sum[:])
		order = append(order, p)
	}
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		var b strings.Builder
		for _, p := range order {
			fmt.Fprintf(&b, "%s %s\n", p, got[p])
		}
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d pages' sums written to %s", len(order), file)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, differ := 0, 0
	for sc.Scan() {
		p, want, _ := strings.Cut(sc.Text(), " ")
		n++
		if got[p] != want {
			if differ++; differ <= 10 {
				t.Errorf("%s: page differs (sum %s, before %s)", p, got[p], want)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(got) || differ > 0 {
		t.Errorf("%d pages before, %d now; %d differ", n, len(got), differ)
	}
	t.Logf("%d pages compared", n)
}
