package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// benchCorpus writes a small corpus of three repositories (each with a
// LICENSE, as checkouts have): 60 Sigma rules, 40 Sentinel KQL rules, and
// one Sigma rule alone (the smallest source, whose file bench changes).
func benchCorpus(t *testing.T, dir string) {
	t.Helper()
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tools := []string{"whoami", "certutil", "rundll32", "regsvr32", "mshta", "bitsadmin", "schtasks", "wmic", "net", "powershell"}
	sigmaRule := func(i int) string {
		tool := tools[i%len(tools)]
		return fmt.Sprintf(`title: Suspicious %s Execution %d
id: 00000000-0000-4000-8000-%012d
status: test
description: Detects %s started with unusual arguments (generated rule %d).
author: ruledex bench test
date: 2024-01-01
tags:
    - attack.execution
    - attack.t1059.%03d
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\%s.exe'
        CommandLine|contains:
            - ' /arg%d'
            - ' -flag%d'
    filter:
        User|contains: 'SYSTEM'
    condition: selection and not filter
level: medium
`, tool, i, i, tool, i, 1+i%9, tool, i, i)
	}
	tables := []string{"SigninLogs", "AuditLogs", "AzureActivity", "SecurityEvent", "DeviceProcessEvents"}
	kqlRule := func(i int) string {
		return fmt.Sprintf(`id: 10000000-0000-4000-8000-%012d
name: Generated KQL rule %d on %s
description: |
  Finds rare events in %s (generated rule %d).
severity: Medium
requiredDataConnectors: []
queryFrequency: 1h
queryPeriod: 1d
triggerOperator: gt
triggerThreshold: 0
tactics:
  - Execution
relevantTechniques:
  - T1059
query: |
  let threshold = %d;
  %s
  | where TimeGenerated > ago(1d)
  | where OperationName has "value%d" or ResultType == "50126"
  | extend Account = tostring(split(UserPrincipalName, "@")[0])
  | summarize Count = count(), Ops = make_set(OperationName) by Account, IPAddress
  | where Count > threshold
kind: Scheduled
`, i, i, tables[i%len(tables)], tables[i%len(tables)], i, i%5+1, tables[i%len(tables)], i)
	}
	for i := 0; i < 60; i++ {
		write(filepath.Join(dir, "sigma-gen", "rules", fmt.Sprintf("rule_%02d.yml", i)), sigmaRule(i))
	}
	for i := 0; i < 40; i++ {
		write(filepath.Join(dir, "kql-gen", "Detections", fmt.Sprintf("Rule%02d.yaml", i)), kqlRule(i))
	}
	write(filepath.Join(dir, "tiny", "r.yml"), sigmaRule(99))
	for _, r := range []string{"sigma-gen", "kql-gen", "tiny"} {
		write(filepath.Join(dir, r, "LICENSE"), "MIT\n")
	}
}

// TestBenchQuick runs `ruledex bench --quick` on a generated corpus (the
// builds in a ruledex binary built for the test) and checks that every line
// of its report is there, with figures of the right form and the counts of
// the corpus, and that there is no other line.
func TestBenchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the ruledex binary and runs bench --quick")
	}
	tmp := t.TempDir()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go env GOMOD: %v %s", err, out)
	}
	bin := filepath.Join(tmp, "ruledex")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "cmd", "ruledex")).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	corpus := filepath.Join(tmp, "corpus")
	benchCorpus(t, corpus)
	old := benchExe
	benchExe = func() (string, error) { return bin, nil }
	defer func() { benchExe = old }()

	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"bench", "--quick", "--corpus", corpus}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	report := stdout.String()
	t.Logf("\n%s", report)

	num := `[0-9]+(\.[0-9]+)?`
	d := num + ` (ms|s)`
	skipped := `skipped: .+`
	want := []string{
		`ruledex bench, \d{4}-\d\d-\d\d \d\d:\d\d UTC`,
		`  machine +\S.*, \d+ cores, .*/.*, go.+`,
		`  load average +` + num + ` ` + num + ` ` + num + ` at start, ` + num + ` at end .*`,
		`  corpus +` + regexp.QuoteMeta(corpus) + `: 3 sources, 104 files, ` + num + ` MB`,
		`build \(ruledex build --db TMP CORPUS, in a child process\)`,
		`  full build +` + d + ` wall, ` + d + ` CPU, peak RSS \d+ MB; 101 rules from 104 files`,
		`  rebuild, nothing changed +` + d + ` wall, ` + d + ` CPU, peak RSS \d+ MB; 0 files read, 104 unchanged \(up to date\)`,
		`  rebuild, one file changed +` + d + ` wall, ` + d + ` CPU, peak RSS \d+ MB; 1 file read, 103 unchanged \(tiny/r\.yml: a comment added, its rules read the same\)`,
		`  rebuild, one rule changed +` + d + ` wall, ` + d + ` CPU, peak RSS \d+ MB; 1 file read, 103 unchanged \(the same file, its title edited: no other rule reads it\)`,
		`  rebuild, one value changed +` + d + ` wall, ` + d + ` CPU, peak RSS \d+ MB; 1 file read, 103 unchanged \(the same file, a value of its detection changed: every rule cross-referenced again\)`,
		`  lint \(ruledex lint, json\) +` + d + ` wall, ` + d + ` CPU, peak RSS \d+ MB; 101 rules, \d+ findings; ` + num + ` of the full build's wall, ` + num + ` of its CPU`,
		`parse throughput on one core \(GOMAXPROCS=1, files in memory\), per second of CPU time; CPU/wall ` + num,
		`  language +what +files +rules +MB +MB/s +rules/s`,
		`  kql +read\+lower \(ingest\.ReadData\) +40 +40 +` + num + ` +` + num + ` +\d+`,
		`  kql +parse \(front end alone\) +- +40 +` + num + ` +` + num + ` +\d+`,
		`  sigma +read\+lower \(ingest\.ReadData\) +61 +61 +` + num + ` +` + num + ` +\d+`,
		`  sigma +parse \(front end alone\) +61 +61 +` + num + ` +` + num + ` +\d+`,
		`  - +read, no rule \(format detection\) +3 +0 +` + num + ` +` + num + ` +0`,
		`KQL parser against Microsoft's \(Kusto\.Language.*, in node\)`,
		`  sample +(20 of 40 corpus queries, ` + num + ` MB; with syntax errors: ruledex 0, Kusto\.Language (0|not measured)|` + skipped + `)`,
		`  ruledex parse +(` + d + ` per pass \(` + d + ` CPU\), \d+ queries/s \(median of 1 passes\)|` + skipped + `)`,
		`  Kusto\.Language parse +(` + d + ` per pass \(` + d + ` CPU\), \d+ queries/s \(warm, median of 1 passes; first parse ` + d + `\)|` + skipped + `)`,
		`  ratio +(ruledex parses \d+x as fast as Kusto\.Language \(wall time\), \d+x \(CPU time\)|` + skipped + `)`,
		`  kql-oracle run +(` + d + ` for 6 queries uncached \(node start, parse, analysis, JSON\); ruledex parse\+summary ` + d + `: \d+x|failed: .+|` + skipped + `)`,
		`search \(store\.Search: first page of 20 hits, facet counts, snippets\)`,
		`  queries +\d+ \(10 fixed, \d+ tables and techniques, \d+ from rule titles(; after the warming a server does at its start \(\d+ frequent terms, [^)]+\))?\)`,
		`  first search +` + d + ` \(loads the facet index\)`,
		`  search latency +p50 ` + d + `, p95 ` + d + `, p99 ` + d + `, max ` + d + `; \d+ searches/s`,
		`  search CPU +` + d + ` CPU a search on average \(` + d + ` CPU over ` + d + ` wall\)`,
		`rule pages \(web handler over the built catalog, httptest\)`,
		`  page latency +30 pages one after another: p50 ` + d + `, p95 ` + d + `, p99 ` + d + `, max ` + d + `; \d+ pages/s, \d+ kB a page`,
		`  page CPU +` + d + ` CPU a page on average \(` + d + ` CPU over ` + d + ` wall\)`,
		`ruledex serve --db \(a child process on loopback; the clients share its cores\)`,
		`  just started +64 connections, ` + d + `: \d+ rule pages/s, p50 ` + d + `, p99 ` + d + `(; server \d+ CPU-µs a page)?`,
		`  rule pages kept +64 connections, ` + d + `: \d+ rule pages/s, p50 ` + d + `, p99 ` + d + `(; server \d+ CPU-µs a page)?`,
		`static export \(ruledex export site DIR --db TMP, in a child process\)`,
		`  export +` + d + ` wall, ` + d + ` CPU, peak RSS \d+ MB; \d+ pages, \d+ files, ` + num + ` MB`,
		`  export on disk +` + num + ` MB with folders and blocks \(du\); search index ` + num + ` MB \(search/, loaded in shards\)`,
		`  total +\S+`,
	}
	res := make([]*regexp.Regexp, len(want))
	for i, w := range want {
		res[i] = regexp.MustCompile(`^` + w + `$`)
	}
	lines := strings.Split(strings.TrimRight(report, "\n"), "\n")
	found := make([]bool, len(want))
	for _, l := range lines {
		if l == "" {
			continue
		}
		ok := false
		for i, re := range res {
			if re.MatchString(l) {
				found[i], ok = true, true
				break
			}
		}
		if !ok {
			t.Errorf("unexpected line %q", l)
		}
	}
	for i, f := range found {
		if !f {
			t.Errorf("no line matches %s", want[i])
		}
	}
	// Figures are not zero where they cannot be.
	for _, zero := range []string{"peak RSS 0 MB", " 0 searches/s", " 0 pages/s", " 0 rule pages/s"} {
		if strings.Contains(report, zero) {
			t.Errorf("report has %q", zero)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"bench", "extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("an argument: exit %d, want 2", code)
	}
	if code := Run(context.Background(), []string{"bench", "--quick", "--corpus", filepath.Join(t.TempDir(), "none")}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "no corpus folder") {
		t.Errorf("missing corpus: exit %d: %s", code, stderr.String())
	}
}
