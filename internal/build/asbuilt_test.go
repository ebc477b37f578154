package build

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// TestAsBuiltAsFull: a rebuild whose every rule is held as the last
// catalog held it (a comment, a description or an author changed) keeps
// the last catalog's cross-references without making them (writeAsBuilt),
// and one whose rule changed as the cross-reference reads it (its
// detection) makes them; both make a full build's catalog: rules and
// their links, findings, held records and summary.
func TestAsBuiltAsFull(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		dir, _ := fixture(t)
		tmp := t.TempDir()
		extra := filepath.Join(tmp, "extra")
		touched := sigmaRule("Touched", runCommand) // a near-duplicate of two fixture rules, of the same action
		// dup.yml states touched.yml's id: the duplicate-id check, across the
		// corpus, finds it in both.
		// related.yml names another rule it was derived from, which linking
		// leaves alone (its query need not be kept whole); corr.yml is a
		// correlation naming a rule linking looks for (it must be); and a
		// correlation whose rule is missing, so that linking warns at the line
		// that names it.
		related := strings.Replace(sigmaRule("Related", "Microsoft.Compute/virtualMachines/restart/action"), "status: test\n",
			"related:\n    - id: 5e3b1c2a-0000-4000-8000-0000000Touched\n      type: derived\nstatus: test\n", 1)
		missing := strings.Replace(corrRule, "whoami_rule", "no_such_rule", 1)
		writeTree(t, extra, map[string]string{"touched.yml": touched, "dup.yml": sigmaRule("Touched", "Microsoft.Compute/virtualMachines/start/action"),
			"related.yml": related, "corr.yml": corrRule, "target.yml": targetRule, "missing.yml": missing})
		src := []Source{{Name: "fixture", Path: dir}, {Name: "extra", Path: extra}}
		db, full := filepath.Join(tmp, "c.db"), filepath.Join(tmp, "full.db")
		if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
			t.Fatal(err)
		}
		edit := func(path, from, to string) {
			t.Helper()
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			if from == "" {
				s += to
			} else if !strings.Contains(s, from) {
				t.Fatalf("%s holds no %q", path, from)
			} else {
				s = strings.Replace(s, from, to, 1)
			}
			if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		touchedPath := filepath.Join(extra, "touched.yml")
		for _, c := range []struct {
			what     string
			path     string
			from, to string
			asBuilt  bool
		}{
			{"a comment added", touchedPath, "", "# a comment\n", true},
			{"its description", touchedPath, "description: Detects", "description: Now detects", true},
			{"its author", touchedPath, "author: Test Author", "author: Another Author", true},
			{"a rule of a source linked again", filepath.Join(dir, "azure", "run_command.yml"), "description: Detects", "description: It detects", true},
			{"a comment added to a rule derived from another", filepath.Join(extra, "related.yml"), "", "# a comment\n", true},
			{"a comment added to a correlation", filepath.Join(extra, "corr.yml"), "", "# a comment\n", false},
			{"a line added above a correlation's missing rule", filepath.Join(extra, "missing.yml"), "    type: event_count", "    # a line\n    type: event_count", false},
			{"its detection", touchedPath, "operationName: '" + runCommand + "'", "operationName: 'Microsoft.Compute/virtualMachines/delete'", false},
			{"its detection back", touchedPath, "operationName: 'Microsoft.Compute/virtualMachines/delete'", "operationName: '" + runCommand + "'", false},
		} {
			edit(c.path, c.from, c.to)
			sum := rebuild(t, db, src, c.asBuilt, c.what)
			if sum.Read != 1 || sum.Reused != sum.Files-1 || sum.UpToDate {
				t.Errorf("%s: read %d, reused %d of %d files (up to date %v), want 1 read", c.what, sum.Read, sum.Reused, sum.Files, sum.UpToDate)
			}
			sameAsFull(t, db, full, src, c.what)
			sameRows(t, db, full, c.what, findingsByID,
				"SELECT r.id, hex(h.data), hex(h.sum), hex(h.body_sum), hex(h.findings_sum) FROM held h JOIN rules r ON r.n = h.rule ORDER BY 1",
				"SELECT r.id, f.facet, f.value FROM facets f, json_each('[' || f.rules || ']') j JOIN rules r ON r.n = j.value ORDER BY 1, 2, 3",
				"SELECT repo, path, sha256, format, skipped, diags FROM files ORDER BY 1, 2")
			fs, err := Build(context.Background(), Options{DB: full, Sources: src, Full: true})
			if err != nil {
				t.Fatal(err)
			}
			x, y := *sum, *fs
			x.Read, x.Reused, x.Duration, y.Read, y.Reused, y.Duration = 0, 0, 0, 0, 0, 0
			if a, b := summaryJSON(t, &x), summaryJSON(t, &y); a != b {
				t.Errorf("%s: summary\n%s\nwant (a full build's)\n%s", c.what, a, b)
			}
		}
	})
}

// rebuild builds srcs into db again and reports whether it kept the last
// catalog's cross-references (writeAsBuilt) when asBuilt says it should or
// made them when it should not.
func rebuild(t *testing.T, db string, srcs []Source, asBuilt bool, what string) *Summary {
	t.Helper()
	var out strings.Builder
	quicks := quickBuilds.Load()
	sum, err := Build(context.Background(), Options{DB: db, Sources: srcs, Progress: &out})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Contains(out.String(), "keeping the cross-references"); got != asBuilt {
		t.Errorf("%s: cross-references kept %v, want %v; progress:\n%s", what, got, asBuilt, out.String())
	}
	if quick := quickBuilds.Load() > quicks; quick != (asBuilt && quickFiles > 0) {
		t.Errorf("%s: a quick rebuild %v, want %v (quickFiles %d); progress:\n%s", what, quick, asBuilt && quickFiles > 0, quickFiles, out.String())
	}
	return sum
}

// bothWays runs test twice: with quick rebuilds, and without (quickFiles
// 0), so that a rebuild that keeps the last catalog's cross-references
// takes the whole way (writeAsBuilt).
func bothWays(t *testing.T, test func(t *testing.T)) {
	t.Run("quick", test)
	t.Run("whole", func(t *testing.T) {
		defer func(n int) { quickFiles = n }(quickFiles)
		quickFiles = 0
		test(t)
	})
}

// findingsByID are a catalog's findings, their rules by id.
const findingsByID = "SELECT r.id, f.check_, f.severity, f.message, f.line, f.col, f.fingerprint FROM findings f JOIN rules r ON r.n = f.rule ORDER BY 1, 2, 3, 4, 5, 6, 7"

// sameRows reports each query whose rows in db (an incremental build's) are
// not those in full (a full build's), with their first difference.
func sameRows(t *testing.T, db, full, what string, queries ...string) {
	t.Helper()
	for _, q := range queries {
		a, b := strings.Join(tableRows(t, db, q), "\n"), strings.Join(tableRows(t, full, q), "\n")
		if a != b {
			t.Errorf("%s: %s: the incremental build's rows (got) are not a full build's (want), %s", what, q, testcorpus.FirstDiff(b, a))
		}
	}
}

func summaryJSON(t *testing.T, s *Summary) string {
	t.Helper()
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAsBuiltRelinked: a repository linked again (a file of it changed)
// may change the bodies of its other rules, which their held records do
// not show: an ESCU deployment's schedule is its detections' time window
// and frequency. Such a rebuild keeps the cross-references but compares
// those rules whole, as a full build makes them.
// escuDetection is an ESCU detection (detections/*.yml) named name, of id
// id's last digit, with search (a YAML single-quoted scalar's text) and
// the lines extra before it.
func escuDetection(name, id, extra, search string) string {
	return "name: " + name + "\nid: 0a1b2c3d-0000-4000-8000-00000000000" + id + `
version: 1
date: '2024-01-01'
author: Tester
type: TTP
status: production
description: Detects whoami.
` + extra + "search: '" + search + `'
how_to_implement: Ingest process events.
known_false_positives: Admins.
references: []
tags:
  analytic_story:
  - Discovery
  mitre_attack_id:
  - T1033
  security_domain: endpoint
`
}

// escuScheduleChanged builds an ESCU source of detection
// (detections/whoami.yml) and the default deployment of its type
// (deployments/ttp.yml) into a catalog, then changes the deployment's
// schedule: linking the repository again changes the detection's body
// (its time window and frequency), not its file nor its held record.
func escuScheduleChanged(t *testing.T, detection string) (db string, srcs []Source) {
	t.Helper()
	deployment := func(cron, earliest string) string {
		return "name: ESCU Default Configuration TTP\nid: fb4c31b0-13e8-4155-8aa5-24de4b8d6717\ndate: '2021-12-21'\nauthor: Tester\n" +
			"description: default\nscheduling:\n  cron_schedule: '" + cron + "'\n  earliest_time: " + earliest + "\n  latest_time: now\n" +
			"  schedule_window: auto\ntype: TTP\n"
	}
	tmp := t.TempDir()
	src := filepath.Join(tmp, "escu")
	writeTree(t, src, map[string]string{"detections/whoami.yml": detection, "deployments/ttp.yml": deployment("0 * * * *", "-70m@m")})
	srcs = []Source{{Name: "escu", Path: src}}
	db = filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	writeTree(t, src, map[string]string{"deployments/ttp.yml": deployment("*/10 * * * *", "-7d@d")})
	return db, srcs
}

func TestAsBuiltRelinked(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		db, srcs := escuScheduleChanged(t, escuDetection("Whoami Run", "1", "data_source:\n- Sysmon EventID 1\n",
			`| tstats count from datamodel=Endpoint.Processes where Processes.process_name="whoami.exe" by Processes.dest Processes.user`))
		rebuild(t, db, srcs, true, "a deployment's schedule")
		sameAsFull(t, db, filepath.Join(t.TempDir(), "full.db"), srcs, "a deployment's schedule")
	})
}

// TestAsBuiltFindingColumns: the findings of the checks across the corpus
// that place themselves in a query embedded in another format (the same id
// twice) take their column from the file as it is now, which a held record
// does not show: a Sentinel rule's query indented further.
func TestAsBuiltFindingColumns(t *testing.T) {
	bothWays(t, func(t *testing.T) {
		sentinel := func(name, indent string) string {
			q := []string{"// rule 11111111-2222-3333-4444-555555555555", "SecurityEvent", "| where EventID == 4688", "| where CommandLine has 'whoami'"}
			for i := range q {
				q[i] = indent + q[i]
			}
			return "id: 11111111-2222-3333-4444-555555555555\nname: " + name + "\ndescription: x\nseverity: Medium\nqueryFrequency: 1h\n" +
				"queryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: 0\nquery: |\n" + strings.Join(q, "\n") + "\n"
		}
		tmp := t.TempDir()
		src := filepath.Join(tmp, "s")
		writeTree(t, src, map[string]string{"a.yaml": sentinel("A rule", "  "), "b.yaml": sentinel("B rule", "  ")})
		srcs := []Source{{Name: "s", Path: src}}
		db, full := filepath.Join(tmp, "c.db"), filepath.Join(tmp, "full.db")
		if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
			t.Fatal(err)
		}
		writeTree(t, src, map[string]string{"a.yaml": sentinel("A rule", "      ")})
		rebuild(t, db, srcs, true, "a query indented further")
		sameAsFull(t, db, full, srcs, "a query indented further")
		sameRows(t, db, full, "a query indented further", findingsByID)
		if !strings.Contains(strings.Join(tableRows(t, full, findingsByID), "\n"), "duplicate-id") {
			t.Error("no duplicate-id finding")
		}
	})
}
