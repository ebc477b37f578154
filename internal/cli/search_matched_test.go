package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/store"
)

// TestSearchMatched: ruledex search says where each hit matched, in its
// text and in its JSON.
func TestSearchMatched(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "rules")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "whoami.yml"), []byte(showSigma), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(tmp, "c.db")
	if out, errs, code := runCmd(t, "build", src, "--db", db); code != 0 {
		t.Fatalf("build: %d\n%s\n%s", code, out, errs)
	}
	out, errs, code := runCmd(t, "search", "--db", db, "whoami.exe")
	if code != 0 || !strings.Contains(out, "     matched in: query, indicator\n") {
		t.Fatalf("search: %d\n%s\n%s", code, out, errs)
	}
	out, _, code = runCmd(t, "search", "--db", db, "--json", "whoami.exe")
	var res store.Result
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Hits) != 1 || !slices.Equal(res.Hits[0].Matched, []string{"query", "indicator"}) {
		t.Fatalf("search --json: %d %s", code, out)
	}
}
