package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/store"
)

// TestBuildSearchShow builds a catalog from a folder, searches it and shows a
// rule by id, through the command line.
func TestBuildSearchShow(t *testing.T) {
	tmp := t.TempDir()
	src := filepath.Join(tmp, "rules")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "whoami.yml"), []byte(showSigma), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(tmp, "c.db")
	out, errs, code := runCmd(t, "build", src, "--db", db)
	if code != 0 || !strings.Contains(out, "1 rules from 1 files") || !strings.Contains(errs, "reading 1 files") {
		t.Fatalf("build: %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = runCmd(t, "search", "--db", db, "whoami.exe", "--facet", "platform=sigma")
	if code != 0 || !strings.Contains(out, "1 rules found") || !strings.Contains(out, "sigma/whoami") || !strings.Contains(out, "[whoami.exe]") {
		t.Fatalf("search: %d\n%s\n%s", code, out, errs)
	}
	out, _, code = runCmd(t, "search", "--db", db, "--json", "whoami", "--facet", "platform=kusto")
	var res store.Result
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Total != 0 {
		t.Fatalf("search --json with another platform: %d %s", code, out)
	}
	if _, _, code := runCmd(t, "search", "--db", db, "--facet", "nokey"); code != 2 {
		t.Errorf("bad --facet: exit %d, want 2", code)
	}
	out, errs, code = runCmd(t, "show", "--db", db, "--json", "sigma/WHOAMI")
	var r map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r["id"] != "sigma/whoami" {
		t.Fatalf("show: %d\n%s\n%s", code, out, errs)
	}
	if _, errs, code = runCmd(t, "show", "--db", db, "whoami"); code != 1 || !strings.Contains(errs, "did you mean") {
		t.Errorf("show of an unknown id: %d %s", code, errs)
	}
	// ruledex.yaml names the sources when none is given.
	cfg := filepath.Join(tmp, "ruledex.yaml")
	os.WriteFile(cfg, []byte("db: c2.db\nsources:\n  - name: mine\n    path: rules\n"), 0o644)
	out, errs, code = runCmd(t, "build", "--config", cfg, "--json", "--quiet")
	var sum store.Summary
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum.Rules != 1 || errs != "" {
		t.Fatalf("build --config: %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(tmp, "c2.db")); err != nil {
		t.Errorf("db of ruledex.yaml: %v", err)
	}
}

func TestBuildCollection(t *testing.T) {
	tmp := t.TempDir()
	for _, repo := range []string{"one", "two"} {
		dir := filepath.Join(tmp, "repos", repo, "rules")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "whoami.yml"), []byte(showSigma), 0o644)
	}
	os.WriteFile(filepath.Join(tmp, "repos", "one", "LICENSE"), []byte("MIT"), 0o644)
	os.WriteFile(filepath.Join(tmp, "repos", "README.md"), []byte("# corpora"), 0o644)
	db := filepath.Join(tmp, "c.db")
	out, errs, code := runCmd(t, "build", "--quiet", "--json", "--db", db, filepath.Join(tmp, "repos"))
	if code != 0 || !strings.Contains(errs, "holds 2 repositories") {
		t.Fatalf("build: %d %s %s", code, out, errs)
	}
	out, _, _ = runCmd(t, "search", "--db", db, "--json", "whoami")
	var res store.Result
	json.Unmarshal([]byte(out), &res)
	if res.Total != 2 || len(res.Facets["repo"]) != 2 {
		t.Errorf("two repositories: %+v", res)
	}
	// Named, the folder is one source.
	_, errs, code = runCmd(t, "build", "--quiet", "--db", db, "all="+filepath.Join(tmp, "repos"))
	out, _, _ = runCmd(t, "search", "--db", db, "--json", "whoami")
	json.Unmarshal([]byte(out), &res)
	if code != 0 || len(res.Facets["repo"]) != 1 || res.Facets["repo"][0].Value != "all" {
		t.Errorf("one source: %d %s %+v", code, errs, res.Facets["repo"])
	}
	// A repository (it has a LICENSE) is never split.
	if c := collection(filepath.Join(tmp, "repos", "one")); c != nil {
		t.Errorf("repository split: %v", c)
	}
}

// TestBuildNamesErrors: a build prints every error diagnostic (path, line,
// column, message) without --diagnostics, up to 50, then how many more and
// the flag that lists them; a file name's control characters are escaped.
func TestBuildNamesErrors(t *testing.T) {
	src := filepath.Join(t.TempDir(), "rules")
	os.MkdirAll(src, 0o755)
	for i := range 53 {
		name := fmt.Sprintf("bad%02d.yml", i)
		if i == 0 {
			name = "bad\x1b]0;x\x07.yml"
		}
		os.WriteFile(filepath.Join(src, name), []byte("title: Broken\nlogsource:\n    product: azure\ndetection:\n    selection:\n        a: [unclosed\n    condition: selection\n"), 0o644)
	}
	_, errs, code := runCmd(t, "build", src, "--db", filepath.Join(t.TempDir(), "c.db"), "--quiet")
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, errs)
	}
	lines := 0
	for _, l := range strings.Split(errs, "\n") {
		if strings.Contains(l, ": error: ") {
			lines++
			if !strings.Contains(l, "rules/bad") || !regexp.MustCompile(`\.yml:\d+:\d+: error: `).MatchString(l) {
				t.Errorf("not path:line:col: error: message: %q", l)
			}
		}
	}
	if lines != 50 || !strings.Contains(errs, "... and 3 more; ruledex build --diagnostics lists them all") {
		t.Errorf("%d error lines, want 50 and the rest counted:\n%s", lines, errs)
	}
	if strings.ContainsRune(errs, 0x1b) || !strings.Contains(errs, `bad\x1b]0;x\x07.yml`) {
		t.Errorf("a file name's escape sequence reaches the terminal:\n%q", errs)
	}
}
