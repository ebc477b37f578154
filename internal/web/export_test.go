package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	cat := testCatalog(t)
	dir := t.TempDir()
	sum, err := Export(t.Context(), cat, dir, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Pages < 50 || sum.Files <= sum.Pages {
		t.Errorf("summary %+v", sum)
	}
	for _, f := range []string{
		"index.html", "rules/index.html", "rules/kusto/DetectAzureScriptOrRunCommandByRiskyUser/index.html",
		"attack/index.html", "attack/T1651/index.html", "attack/T1021.008/index.html", "attack/T1021/index.html",
		"tables/index.html", "tables/azureactivity/index.html", "tables/windows~2F~2Fprocess_creation/index.html",
		"repos/hybridbrothers-seeds/index.html", "events/index.html", "by/platform/sigma/index.html",
		"fields/operationnamevalue/index.html", "indicators/index.html", "canonical/index.html",
		"indicators/operationnamevalue/eq/microsoft.compute~2Fvirtualmachines~2Fruncommand~2Faction.html",
		"search/index.html", "search/index.js", "static/style.css", "static/search.js", "static/app.js",
		"api/v1/rules/kusto/DetectAzureScriptOrRunCommandByRiskyUser.json", "api/v1/stats.json", "api/v1/coverage.json", "api/v1/navigator.json",
	} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	// The rule JSON is the contract.
	data, err := os.ReadFile(filepath.Join(dir, "api/v1/rules/kusto/DetectAzureScriptOrRunCommandByRiskyUser.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || m["id"] != "kusto/DetectAzureScriptOrRunCommandByRiskyUser" {
		t.Errorf("rule JSON: %v %v", err, m["id"])
	}
	// Every page: links are relative and lead to a file of the export, and
	// nothing of the hostile rule is live.
	nlinks, ncanonical := 0, 0 // links checked, of them to canonical indicator pages (TestCanonicalPages checks a rule's)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		body := string(b)
		rel, _ := filepath.Rel(dir, p)
		checkInert(t, rel, body)
		if strings.Contains(body, "<script>") {
			t.Errorf("%s: inline script", rel)
		}
		for _, mm := range hrefRE.FindAllStringSubmatch(body, -1) {
			link := strings.ReplaceAll(mm[2], "&amp;", "&")
			if strings.HasPrefix(link, "http://") || strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "#") {
				continue
			}
			if strings.HasPrefix(link, "/") {
				t.Errorf("%s: absolute link %q in the export", rel, link)
				continue
			}
			if i := strings.IndexAny(link, "?#"); i >= 0 {
				link = link[:i]
			}
			if link == "" || strings.Contains(link, "~3Cscript") {
				continue // the hostile rule's made-up references lead nowhere
			}
			target := filepath.Join(filepath.Dir(p), filepath.FromSlash(link))
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s: broken link %q", rel, mm[2])
			}
			nlinks++
			if strings.Contains(link, "canonical/") {
				ncanonical++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if nlinks < 500 {
		t.Errorf("only %d links checked", nlinks)
	}
	if ncanonical == 0 {
		t.Errorf("no link to a canonical indicator page checked")
	}
	// The search files are scripts that cannot be closed early by rule text.
	err = filepath.WalkDir(filepath.Join(dir, "search"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(bytes.ToLower(b), []byte("<script")) || bytes.Contains(bytes.ToLower(b), []byte("</script")) {
			t.Errorf("%s holds raw <script", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile(filepath.Join(dir, "search", "index.js"))
	if err != nil {
		t.Fatal(err)
	}
	var ix staticIndex
	js := strings.TrimSuffix(strings.TrimPrefix(string(idx), "RULEDEX_SEARCH.index("), ");\n")
	if err := json.Unmarshal([]byte(js), &ix); err != nil || len(ix.Docs) < 7 || len(ix.Shards) == 0 {
		t.Errorf("search index: %v, %d rules, %d shards", err, len(ix.Docs), len(ix.Shards))
	}
	for _, d := range ix.Docs {
		h := "rules/" + d[0] + "/index.html"
		if len(d) > 3 {
			h = d[3]
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(h))); err != nil {
			t.Errorf("index entry %s: %s missing", d[0], h)
		}
	}
	for _, k := range ix.Shards {
		if _, err := os.Stat(filepath.Join(dir, "search", "t", k+".js")); err != nil {
			t.Errorf("shard %s missing", k)
		}
	}
}

// TestExportGzip checks that --gzip writes beside every file its
// compressed copy, which decompresses to the file.
func TestExportGzip(t *testing.T) {
	dir := t.TempDir()
	sum, err := Export(t.Context(), testCatalog(t), dir, ExportOptions{Gzip: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".gz") {
			return err
		}
		plain, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := os.Open(p + ".gz")
		if err != nil {
			t.Errorf("%s: no compressed copy", p)
			return nil
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("%s.gz differs from %s", p, p)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if 2*n != sum.Files {
		t.Errorf("%d files and their copies, %d written", n, sum.Files)
	}
}
