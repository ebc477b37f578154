package web

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExportCorpus exports the whole corpus (or the catalog at
// RULEDEX_BENCH_DB, as `ruledex export site --db` does) and checks that
// every link of every page leads to a file of the export.
func TestExportCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus export skipped in -short mode")
	}
	var cat Catalog
	if db := os.Getenv("RULEDEX_BENCH_DB"); db != "" {
		sc, err := OpenStore(db)
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Close()
		cat = sc
	} else {
		cat = corpusCatalog(t)
	}
	dir := t.TempDir()
	start := time.Now()
	sum, err := Export(t.Context(), cat, dir, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exported %d pages, %d files, %.1f MB in %s", sum.Pages, sum.Files, float64(sum.Bytes)/1e6, time.Since(start).Round(time.Millisecond))
	ids, _ := cat.RuleIDs(t.Context())
	if sum.Pages < 2*len(ids) {
		t.Errorf("%d pages for %d rules", sum.Pages, len(ids))
	}
	files := map[string]bool{}
	folded := map[string]string{} // lower-cased path → the path
	var pages []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		files[rel] = true
		// Paths equal but for case would overwrite each other on macOS and
		// Windows (tables/SignInLogs and tables/SigninLogs).
		if other, dup := folded[strings.ToLower(rel)]; dup {
			t.Errorf("%s and %s differ only by case", other, rel)
		} else {
			folded[strings.ToLower(rel)] = rel
		}
		if strings.HasSuffix(rel, ".html") {
			pages = append(pages, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != sum.Files {
		t.Errorf("%d files on disk, %d written", len(files), sum.Files)
	}
	checked, broken := 0, 0
	for _, rel := range pages {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		for _, link := range pageLinks(b) {
			link = strings.ReplaceAll(link, "&amp;", "&")
			if strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "#") {
				continue
			}
			if i := strings.IndexAny(link, "?#"); i >= 0 {
				link = link[:i]
			}
			checked++
			target := path.Join(path.Dir(rel), link)
			if link == "" || strings.HasPrefix(link, "/") || !files[target] {
				broken++
				if broken <= 20 {
					t.Errorf("%s: broken link %q", rel, link)
				}
			}
		}
	}
	t.Logf("%d links of %d pages checked, %d broken", checked, len(pages), broken)
	if checked < 10*len(pages) {
		t.Errorf("only %d links checked", checked)
	}
}

// pageLinks returns the values of the href, src and action attributes of a
// page (written by the templates with double quotes).
func pageLinks(b []byte) []string {
	var out []string
	for _, attr := range []string{` href="`, ` src="`, ` action="`} {
		rest := b
		for {
			i := bytes.Index(rest, []byte(attr))
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			j := bytes.IndexByte(rest, '"')
			if j < 0 {
				break
			}
			out = append(out, string(rest[:j]))
			rest = rest[j:]
		}
	}
	return out
}
