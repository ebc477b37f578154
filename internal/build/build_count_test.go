package build

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

// checkAgainstFiles checks a built catalog and its summary against the
// source files, counted here on their own terms rather than by the readers:
// every Sigma file gives one rule per YAML document with a detection, a
// correlation or a filter (a legacy collection's action documents give
// none); every Sentinel YAML file (a top-level query: and no detection:)
// one; every .kql file at least one, and no more than its blank-line
// separated chunks; every markdown file with a KQL code block at least one.
// It returns what it counted, by format.
func checkAgainstFiles(t *testing.T, d *store.DB, srcs []Source, sum *Summary) map[string]int {
	t.Helper()
	type key struct{ repo, path string }
	stored := map[key]struct {
		format, skipped string
		rules           int
	}{}
	rows, err := sqlDB(t, d.Path()).Query(`SELECT f.repo, f.path, f.format, f.skipped, count(r.n) FROM files f
		LEFT JOIN rules r ON r.repo = f.repo AND r.path = f.path GROUP BY f.repo, f.path`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k key
		var v struct {
			format, skipped string
			rules           int
		}
		if err := rows.Scan(&k.repo, &k.path, &v.format, &v.skipped, &v.rules); err != nil {
			t.Fatal(err)
		}
		stored[k] = v
	}
	rows.Close()

	counted := map[string]int{} // rules counted from the files, by format
	files := 0
	bad := 0
	report := func(format string, args ...any) {
		bad++
		if bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	for _, s := range srcs {
		list, err := ingest.ListFiles(sourceTarget(s))
		if err != nil {
			t.Fatal(err)
		}
		for _, abs := range list {
			files++
			rel := ingest.RelPath(s.Path, abs)
			got, ok := stored[key{s.Name, rel}]
			if !ok {
				report("%s/%s: not in the catalog's files", s.Name, rel)
				continue
			}
			data, err := os.ReadFile(abs)
			if err != nil {
				continue
			}
			ext := strings.ToLower(filepath.Ext(rel))
			switch {
			case (ext == ".yml" || ext == ".yaml") && isSentinelText(data):
				counted["sentinel_yaml"]++
				if got.format != "sentinel_yaml" || got.rules != 1 {
					report("%s/%s: Sentinel YAML read as %q with %d rules, want 1", s.Name, rel, got.format, got.rules)
				}
			case (ext == ".yml" || ext == ".yaml") && isESCUText(data):
				counted["escu_yaml"]++
				if got.format != "escu_yaml" || got.rules != 1 {
					report("%s/%s: Splunk ESCU YAML read as %q with %d rules, want 1", s.Name, rel, got.format, got.rules)
				}
			case ext == ".yml" || ext == ".yaml":
				n := sigmaDocs(data)
				counted["sigma_yaml"] += n
				if n > 0 && (got.format != "sigma_yaml" || got.rules != n) || n == 0 && got.rules != 0 {
					report("%s/%s: %d Sigma rule documents, catalog has %d rules read as %q", s.Name, rel, n, got.rules, got.format)
				}
			case ext == ".kql" || ext == ".csl" || ext == ".kusto":
				chunks := kqlChunks(data)
				counted["kql_text"] += got.rules
				if chunks > 0 && (got.format != "kql_text" || got.rules < 1 || got.rules > chunks) {
					report("%s/%s: %d query chunks, catalog has %d rules read as %q", s.Name, rel, chunks, got.rules, got.format)
				}
			case ext == ".md" && kqlFenceRE.Match(data):
				counted["kql_markdown"] += got.rules
				if got.format != "kql_markdown" || got.rules < 1 {
					report("%s/%s: markdown with a KQL block, catalog has %d rules read as %q", s.Name, rel, got.rules, got.format)
				}
			default:
				if got.format != "" {
					counted[got.format] += got.rules
				}
			}
		}
	}
	if files != sum.Files || files != len(stored) {
		t.Errorf("the sources hold %d files; the summary counts %d, the catalog %d", files, sum.Files, len(stored))
	}
	total := 0
	for _, n := range counted {
		total += n
	}
	if total != sum.Rules {
		t.Errorf("rules counted from the files: %d %v; the summary says %d", total, counted, sum.Rules)
	}
	if bad > 20 {
		t.Errorf("... and %d more files", bad-20)
	}
	return counted
}

// checkSummary checks every count of the summary against the catalog.
func checkSummary(t *testing.T, d *store.DB, sum *Summary) {
	t.Helper()
	var withRules, noRule int
	skipped := map[string]int{}
	rows, err := sqlDB(t, d.Path()).Query(`SELECT f.skipped, f.format, (SELECT count(*) FROM rules r WHERE r.repo = f.repo AND r.path = f.path) FROM files f`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var why, format string
		var n int
		rows.Scan(&why, &format, &n)
		switch {
		case why != "":
			skipped[why]++
		case n == 0:
			skipped["read as "+format+", but no rule in it"]++
			noRule++
		default:
			withRules++
		}
	}
	rows.Close()
	if withRules != sum.WithRules {
		t.Errorf("files with rules: catalog %d, summary %d", withRules, sum.WithRules)
	}
	for why, n := range skipped {
		if sum.Skipped[why] != n {
			t.Errorf("skipped %q: catalog %d, summary %d", why, n, sum.Skipped[why])
		}
	}
	if len(skipped) != len(sum.Skipped) {
		t.Errorf("skip reasons: catalog %v, summary %v", skipped, sum.Skipped)
	}
	byKind := map[string]int{}
	byPK := map[string]map[string]int{}
	byPlatform := map[string]int{}
	withErr, withDup := 0, 0
	diags := map[string]int{}
	if err := d.EachRule(t.Context(), func(r *rule.Rule) error {
		byKind[r.Kind]++
		byPlatform[r.Platform]++
		if byPK[r.Platform] == nil {
			byPK[r.Platform] = map[string]int{}
		}
		byPK[r.Platform][r.Kind]++
		if r.HasErrors() {
			withErr++
		}
		if len(r.NearDuplicates) > 0 {
			withDup++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ps, err := d.Problems(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		diags[p.Severity]++
	}
	eq := func(what string, a, b map[string]int) {
		for k := range a {
			if a[k] != b[k] {
				t.Errorf("%s %s: catalog %d, summary %d", what, k, a[k], b[k])
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok && b[k] != 0 {
				t.Errorf("%s %s: catalog none, summary %d", what, k, b[k])
			}
		}
	}
	eq("kind", byKind, sum.ByKind)
	eq("platform", byPlatform, sum.ByPlatform)
	for p := range byPK {
		eq("platform "+p+", kind", byPK[p], sum.ByPlatformKind[p])
	}
	eq("diagnostics", diags, sum.Diagnostics)
	if withErr != sum.RulesWithError || withDup != sum.NearDuplicates {
		t.Errorf("rules with errors %d, with near-duplicates %d; summary %d, %d", withErr, withDup, sum.RulesWithError, sum.NearDuplicates)
	}
}

var (
	topKeyRE   = regexp.MustCompile(`(?m)^["']?([A-Za-z_-]+)["']?[ \t]*:`)
	docSepRE   = regexp.MustCompile(`(?m)^---[ \t]*(?:#.*)?\r?$`)
	actionRE   = regexp.MustCompile(`(?m)^action:[ \t]*["']?(global|reset|repeat)`)
	kqlFenceRE = regexp.MustCompile("(?mi)^[ \t]*(```|~~~)[ \t]*(kql|kusto)")
)

// topKeys returns the top-level keys of a YAML document's text.
func topKeys(doc []byte) map[string]bool {
	keys := map[string]bool{}
	for _, m := range topKeyRE.FindAllSubmatch(doc, -1) {
		keys[string(m[1])] = true
	}
	return keys
}

// isSentinelText tells from its top-level keys whether a YAML file is a
// Sentinel rule: a query and no Sigma detection.
func isSentinelText(data []byte) bool {
	k := topKeys(data)
	return k["query"] && !k["detection"]
}

// isESCUText tells whether data is a Splunk security_content object: a
// named detection (search:), macro (definition:), data source (source: and
// sourcetype:) or deployment (scheduling:), with none of Sigma's or
// Sentinel's keys. Each gives one entry.
func isESCUText(data []byte) bool {
	k := topKeys(data)
	if !k["name"] || k["detection"] || k["query"] || k["logsource"] {
		return false
	}
	return k["search"] || k["definition"] || k["source"] && k["sourcetype"] || k["scheduling"]
}

// sigmaDocs counts the YAML documents of data that are Sigma rules: those
// with a detection, a correlation or a filter, and, in a legacy collection
// (an "action: global" document first), every document but the action ones.
func sigmaDocs(data []byte) int {
	docs := docSepRE.Split(string(data), -1)
	global := false
	n := 0
	for _, doc := range docs {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		if m := actionRE.FindStringSubmatch(doc); m != nil {
			global = global || m[1] == "global"
			continue
		}
		k := topKeys([]byte(doc))
		if k["detection"] || k["correlation"] || k["filter"] || global && k["logsource"] {
			n++
		}
	}
	return n
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// kqlChunks counts the blank-line separated chunks of a .kql file that
// hold something other than comments.
func kqlChunks(data []byte) int {
	n := 0
	for _, c := range regexp.MustCompile(`\n[ \t\r]*\n`).Split(string(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))), -1) {
		for _, l := range strings.Split(c, "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "//") {
				n++
				break
			}
		}
	}
	return n
}
