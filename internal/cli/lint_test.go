package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ruledex/ruledex/internal/lint"
)

// lintFiles writes a repository of rules with known faults and returns its folder.
func lintFiles(t *testing.T) string {
	dir := t.TempDir()
	files := map[string]string{
		// value-whitespace at 3:33 (in the query) and kql-join-without-kind at 4:3.
		"hunt/a.kql": "// Title A\n// Description.\nDeviceEvents | where FileName =~ \"a.exe \"\n| join (DeviceInfo) on DeviceId\n",
		// A Sentinel rule: the query is indented by two spaces under query:.
		"det/b yaml.yaml": "id: 0d9c1f2a-1111-4c2a-9c8e-123456789abc\nname: B\ndescription: d\nseverity: Medium\nqueryFrequency: 1h\nqueryPeriod: 1h\n" +
			"relevantTechniques:\n  - T1059\nquery: |\n  SecurityEvent\n  | where Computer =~ \"host \"\n",
		// a Sigma rule with an unknown technique, an unused search identifier, a control character in its title.
		"sigma/c.yml": "title: \"C \\e]0;x\\a\"\nid: 11111111-2222-3333-4444-555555555555\ndescription: d\ntags:\n  - attack.t1059\nlogsource:\n  product: windows\n  category: process_creation\n" +
			"detection:\n  sel:\n    Image|endswith: '\\cmd.exe'\n  unused:\n    User: x\n  condition: sel\n",
	}
	for p, src := range files {
		abs := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runLintCmd(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code = Run(context.Background(), append([]string{"lint"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

func TestLintText(t *testing.T) {
	dir := lintFiles(t)
	out, errs, code := runLintCmd(t, dir, "--disable", "description-missing,kql-no-time-filter", "--fail-on", "warning", ".")
	if code != 1 {
		t.Errorf("exit %d with warnings and --fail-on warning; stderr %s", code, errs)
	}
	lineRE := regexp.MustCompile(`^[^:\n]+:[0-9]+:[0-9]+: (error|warning|note): .+ \[[a-z0-9-]+\]$`)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !lineRE.MatchString(l) {
			t.Errorf("line not path:line:col: severity: message [check]: %q", l)
		}
	}
	for _, want := range []string{
		"hunt/a.kql:3:35: warning: the value \"a.exe \" of FileName eq starts or ends with white space [value-whitespace]",
		"hunt/a.kql:4:3: warning: join without kind= is kind=innerunique",
		"det/b yaml.yaml:11:24: warning: the value \"host \" of Computer eq starts or ends with white space [value-whitespace]",
		"sigma/c.yml:12:3: warning: search identifier \"unused\" is not used by the condition [sigma-unused-selection]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "description-missing") || strings.Contains(out, "\x1b") {
		t.Errorf("a disabled check, or a control character, in the output:\n%q", out)
	}
	if _, _, code := runLintCmd(t, dir, "--disable", "description-missing,kql-no-time-filter", "--fail-on", "error", "."); code != 0 {
		t.Errorf("exit %d with no error and --fail-on error", code)
	}
	if _, _, code := runLintCmd(t, dir, "--enable", "no-such-check", "."); code != 2 {
		t.Errorf("exit %d for an unknown check, want 2", code)
	}
	// ruledex.yaml's lint: disable: turns checks off for the repository.
	if err := os.WriteFile(filepath.Join(dir, "ruledex.yaml"), []byte("lint:\n  disable: [value-whitespace]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, _ = runLintCmd(t, dir, ".")
	if strings.Contains(out, "value-whitespace") || !strings.Contains(out, "kql-join-without-kind") {
		t.Errorf("ruledex.yaml's disable list not applied:\n%s", out)
	}
}

func TestLintJSON(t *testing.T) {
	dir := lintFiles(t)
	out, _, _ := runLintCmd(t, dir, "--format", "json", ".")
	var rep lintReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Rules != 3 || len(rep.Findings) == 0 || rep.Counts["value-whitespace"] != 2 {
		t.Errorf("report: %d rules, %d findings, counts %v", rep.Rules, len(rep.Findings), rep.Counts)
	}
	for _, f := range rep.Findings {
		if f.Fingerprint == "" || f.Line < 1 || f.Col < 1 || f.File == "" || f.Rule == "" {
			t.Errorf("finding not whole: %+v", f)
		}
	}
}

// sarifSchema is the SARIF 2.1.0 schema the shared folder holds, and
// lintCorpus the shared corpus (absolute: the tests change folder).
var sarifSchema, _ = filepath.Abs("../../../shared/schemas/sarif-schema-2.1.0.json")
var lintCorpus, _ = filepath.Abs("../../../shared/corpus")

// checkSARIF validates a SARIF log against the schema, and against what
// GitHub code scanning requires of an upload
// (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):
// version 2.1.0; runs[].tool.driver.name; every rule with an id (unique), a
// short description and help; every result with a ruleId that is a rule's
// and ruleIndex pointing at it, a message text, a level of
// error/warning/note, at least one location whose artifactLocation.uri is
// relative (no scheme, no leading /, no backslash) and whose region has
// startLine >= 1 (startColumn >= 1); partialFingerprints on every result;
// at most 25,000 results a run, at most 1,000 locations a result.
func checkSARIF(t *testing.T, data []byte) (results int) {
	t.Helper()
	if err := validateSARIF(t, data); err != nil {
		t.Fatalf("the SARIF log does not validate: %v", err)
	}
	var log lint.SARIFLog
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("version %s, %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name == "" || run.ColumnKind != "unicodeCodePoints" {
		t.Errorf("driver name %q, column kind %q", run.Tool.Driver.Name, run.ColumnKind)
	}
	ids := map[string]int{}
	for i, r := range run.Tool.Driver.Rules {
		if r.ID == "" || r.ShortDescription.Text == "" || r.Help.Text == "" || r.HelpURI == "" {
			t.Errorf("rule %d not whole: %+v", i, r)
		}
		if _, dup := ids[r.ID]; dup {
			t.Errorf("rule id %s twice", r.ID)
		}
		ids[r.ID] = i
	}
	if len(run.Results) > 25000 {
		t.Errorf("%d results in a run (GitHub takes 25,000)", len(run.Results))
	}
	for _, r := range run.Results {
		if i, ok := ids[r.RuleID]; !ok || i != r.RuleIndex {
			t.Errorf("result's ruleId %s / ruleIndex %d is no rule's", r.RuleID, r.RuleIndex)
		}
		if r.Message.Text == "" || lint.SeverityRank(r.Level) == 0 {
			t.Errorf("result without message or level: %+v", r)
		}
		if len(r.Locations) == 0 || len(r.Locations) > 1000 {
			t.Errorf("result with %d locations", len(r.Locations))
			continue
		}
		loc := r.Locations[0].PhysicalLocation
		u := loc.ArtifactLocation.URI
		if u == "" || strings.Contains(u, "://") || strings.HasPrefix(u, "/") || strings.Contains(u, `\`) || strings.Contains(u, " ") {
			t.Errorf("artifact URI %q is not a relative URI reference", u)
		}
		if loc.Region.StartLine < 1 || loc.Region.StartColumn < 1 {
			t.Errorf("region %+v", loc.Region)
		}
		if r.PartialFingerprints[lint.FingerprintKey] == "" {
			t.Errorf("result without a partial fingerprint: %+v", r)
		}
	}
	return len(run.Results)
}

// validateSARIF validates data against the SARIF 2.1.0 schema; the test
// is skipped when the schema is absent.
func validateSARIF(t *testing.T, data []byte) error {
	t.Helper()
	if _, err := os.Stat(sarifSchema); err != nil {
		t.Skipf("no SARIF schema at %s", sarifSchema)
	}
	sch, err := jsonschema.NewCompiler().Compile(sarifSchema)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(doc)
}

func TestLintSARIF(t *testing.T) {
	dir := lintFiles(t)
	out, _, _ := runLintCmd(t, dir, "--format", "sarif", ".")
	if n := checkSARIF(t, []byte(out)); n < 4 {
		t.Errorf("%d results", n)
	}
	// The schema rejects what it must: a region at line 0, another version.
	for _, bad := range []struct{ from, to string }{{`"startLine": 3`, `"startLine": 0`}, {`"version": "2.1.0"`, `"version": "2.0.0"`}} {
		if !strings.Contains(out, bad.from) {
			t.Fatalf("no %s in the log", bad.from)
		}
		if err := validateSARIF(t, []byte(strings.Replace(out, bad.from, bad.to, 1))); err == nil {
			t.Errorf("a log with %s validates", bad.to)
		}
	}
	if !strings.Contains(out, `"uri": "det/b%20yaml.yaml"`) || !strings.Contains(out, `"startColumn": 24`) {
		t.Errorf("the Sentinel rule's finding is not at det/b%%20yaml.yaml column 24:\n%s", out)
	}
}

// TestLintSARIFCorpus lints parts of the shared corpus of every language
// as SARIF and validates the log.
func TestLintSARIFCorpus(t *testing.T) {
	if raceEnabled {
		t.Skip("thousands of corpus rules under the race detector: run without -race")
	}
	corpus := lintCorpus
	parts := []string{"hybridbrothers-seeds", "azure-sentinel-2020", "sigma/rules/windows/process_creation", "sigma-specification", "chronicle", "splunk/detections/cloud", "elastic/rules/windows"}
	var args []string
	for _, p := range parts {
		if _, err := os.Stat(filepath.Join(corpus, p)); err == nil {
			args = append(args, p)
		}
	}
	if len(args) == 0 {
		t.Skip("no corpus at " + corpus)
	}
	out, errs, code := runLintCmd(t, corpus, append([]string{"--format", "sarif"}, args...)...)
	if code == 2 {
		t.Fatalf("exit 2: %s", errs)
	}
	n := checkSARIF(t, []byte(out))
	t.Logf("%d results from %s (%s)", n, strings.Join(parts, ", "), strings.TrimSpace(errs))
	if n < 100 {
		t.Errorf("only %d results", n)
	}
}

// TestLintFilesOfOneFolder: files of one folder given one by one (what a
// pre-commit hook passes), a file twice, folders of one name: the
// sources share a name, which a build refuses and lint need not.
func TestLintFilesOfOneFolder(t *testing.T) {
	dir := lintFiles(t)
	if err := os.MkdirAll(filepath.Join(dir, "other", "sigma"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile(filepath.Join(dir, "sigma", "c.yml"))
	if err != nil {
		t.Fatal(err)
	}
	d := strings.Replace(string(c), "11111111-2222", "21111111-2222", 1) // (another id: no duplicate-id error)
	if err := os.WriteFile(filepath.Join(dir, "other", "sigma", "d.yml"), []byte(d), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"sigma/c.yml", "sigma/c.yml"},
		{"sigma", "other/sigma"},
		{"hunt/a.kql", "sigma/c.yml", "det"},
	} {
		out, errs, code := runLintCmd(t, dir, append([]string{"--fail-on", "error"}, args...)...)
		if code != 0 || !strings.Contains(out, "c.yml:") || !strings.Contains(out, "[sigma-unused-selection]") || strings.Contains(errs, "both named") {
			t.Errorf("%v: exit %d, stdout:\n%s\nstderr:\n%s", args, code, out, errs)
		}
	}
}

// TestLintDB: `ruledex lint --db` over a catalog built from the folder
// finds what `ruledex lint` over the folder finds, each finding named by
// its repository and path (the catalog holds no file), but for the
// columns of a query indented in another format (placed in the query,
// the catalog having no file to place them in), and SARIF that
// validates.
func TestLintDB(t *testing.T) {
	dir := lintFiles(t)
	db := filepath.Join(t.TempDir(), "c.db")
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"build", "--db", db, "r=" + dir}, &out, &errb); code != 0 {
		t.Fatalf("build: exit %d: %s", code, errb.String())
	}
	key := func(f lintFinding, col bool) string {
		k := f.Rule + " " + f.Check + " " + f.Message + " " + strconv.Itoa(f.Line)
		if col {
			k += ":" + strconv.Itoa(f.Col)
		}
		return k
	}
	report := func(args ...string) lintReport {
		out, errs, _ := runLintCmd(t, dir, append([]string{"--format", "json"}, args...)...)
		var rep lintReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: %v (%s)", args, err, errs)
		}
		return rep
	}
	files, cat := report("r="+dir), report("--db", db)
	if cat.Rules != files.Rules || len(cat.Findings) != len(files.Findings) || len(cat.Findings) == 0 {
		t.Fatalf("--db: %d rules, %d findings; the folder's %d and %d", cat.Rules, len(cat.Findings), files.Rules, len(files.Findings))
	}
	for i, f := range cat.Findings {
		g := files.Findings[i]
		embedded := strings.HasSuffix(g.Path, ".yaml")
		if key(f, !embedded) != key(g, !embedded) || f.File != "r/"+g.Path {
			t.Errorf("--db finding %d: %s in %s; the folder's %s in %s", i, key(f, true), f.File, key(g, true), g.File)
		}
	}
	out2, errs, code := runLintCmd(t, dir, "--db", db, "--format", "sarif")
	if code != 0 {
		t.Fatalf("sarif: exit %d: %s", code, errs)
	}
	checkSARIF(t, []byte(out2))
}
