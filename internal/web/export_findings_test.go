package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportFindingsBounded: the export lists a check's first findings on
// a bounded number of pages (here 2 pages of 1), says how many there are
// and links the check's JSON, which holds every one, written a finding at
// a time (with --gzip, its compressed copy the same bytes) and the same as
// the catalog's list of them all.
func TestExportFindingsBounded(t *testing.T) {
	cat := testCatalog(t)
	checks, err := cat.FindingChecks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var check FindingCheck
	for _, c := range checks {
		if c.Findings > check.Findings {
			check = c
		}
	}
	if check.Findings < 3 {
		t.Fatalf("the test catalog's most found check %q has %d findings, want 3 or more", check.Check, check.Findings)
	}
	dir := t.TempDir()
	if _, err := export(t.Context(), cat, dir, ExportOptions{Gzip: true}, 2, 1); err != nil {
		t.Fatal(err)
	}
	seg := Seg(strings.ToLower(check.Check))
	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first := read("findings/" + seg + "/index.html")
	note := "These pages list the first 2 of the " + fmtInt(check.Findings) + " findings"
	if !strings.Contains(first, note) || !strings.Contains(first, `href="../../api/v1/findings/`+seg+`.json"`) {
		t.Errorf("findings/%s/index.html: no %q with a link to the JSON", seg, note)
	}
	second := read("findings/" + seg + "/page/2/index.html")
	if !strings.Contains(second, "page 2 of 2") || strings.Contains(second, `rel="next"`) {
		t.Errorf("findings/%s/page/2/: not the last of 2 pages", seg)
	}
	if _, err := os.Stat(filepath.Join(dir, "findings", seg, "page", "3")); err == nil {
		t.Errorf("findings/%s/page/3/ written, beyond the 2 pages", seg)
	}
	if strings.Count(first, "<tr>")+strings.Count(second, "<tr>") != 2+2 { // a header row each
		t.Errorf("findings/%s: %d and %d rows, want a finding a page", seg, strings.Count(first, "<tr>")-1, strings.Count(second, "<tr>")-1)
	}
	all, err := cat.CheckFindings(t.Context(), check.Check, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := jsonFile(all)()
	if err != nil {
		t.Fatal(err)
	}
	got := read("api/v1/findings/" + seg + ".json")
	if got != string(want) {
		t.Errorf("api/v1/findings/%s.json (%d bytes) is not the list of its %d findings (%d bytes)", seg, len(got), check.Findings, len(want))
	}
	zr, err := gzip.NewReader(strings.NewReader(read("api/v1/findings/" + seg + ".json.gz")))
	if err != nil {
		t.Fatal(err)
	}
	if unz, err := io.ReadAll(zr); err != nil || !bytes.Equal(unz, want) {
		t.Errorf("api/v1/findings/%s.json.gz: %v, not the JSON compressed", seg, err)
	}
}
