package build

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/store"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// splunkApp is a Splunk repository of ESCU files and two apps' .conf files,
// whose macros of one name are defined in several files (nearestMacro: the
// one of the search's app, else the first), with data sources and a
// deployment.
func splunkApp(t *testing.T) (dir, db string, srcs []Source) {
	t.Helper()
	tmp := t.TempDir()
	dir = filepath.Join(tmp, "splunk")
	dataSource := func(name, code string) string {
		return "name: " + name + "\nid: 1111111" + code + "-0000-4000-8000-000000000000\nsource: XmlWinEventLog:Microsoft-Windows-Sysmon/Operational\n" +
			"sourcetype: XmlWinEventLog\nseparator: EventID\nfields:\n- Image\n"
	}
	writeTree(t, dir, map[string]string{
		// two ESCU macros of one name: the first (by path) is the one
		"macros/a_proc.yml":  "definition: index=first\ndescription: first\nname: proc\n",
		"macros/b_proc.yml":  "definition: index=second sourcetype=b\ndescription: second\nname: proc\n",
		"macros/filter.yml":  "definition: search *\ndescription: f\nname: whoami_filter\n",
		"macros/args.yml":    "arguments:\n- f\n- v\ndefinition: $f$=$v$\ndescription: args\nname: eq(2)\n",
		"data_sources/1.yml": dataSource("Sysmon EventID 1", "1"),
		"data_sources/3.yml": dataSource("Sysmon EventID 3", "3"),
		"deployments/ttp.yml": "name: ESCU Default Configuration TTP\nid: fb4c31b0-13e8-4155-8aa5-24de4b8d6717\ndate: '2021-12-21'\nauthor: Tester\n" +
			"description: default\nscheduling:\n  cron_schedule: '0 * * * *'\n  earliest_time: -70m@m\n  latest_time: now\n  schedule_window: auto\ntype: TTP\n",
		"detections/a.yml": escuDetection("A", "1", "data_source:\n- Sysmon EventID 1\n", "`proc` `eq(process_name,whoami.exe)` | stats count by dest | `whoami_filter`"),
		"detections/b.yml": escuDetection("B", "2", "data_source:\n- Sysmon EventID 3\n", "`proc` process_name=net.exe | stats count by user | `whoami_filter`"),
		// an app whose macros.conf defines proc again: its searches see that one
		"apps/one/default/macros.conf": "[proc]\ndefinition = index=app_one\n\n[two(2)]\nargs = x, y\ndefinition = $x$ OR $y$\n",
		"apps/one/default/savedsearches.conf": "[One Search]\nsearch = `proc` `two(a,b)` | stats count by host\ndescription = one\n" +
			"cron_schedule = */5 * * * *\ndispatch.earliest_time = -15m\n\n[One Other]\nsearch = `proc` c=d | table host\ndescription = other\n",
		// an app without macros: its searches see the first ESCU proc
		"apps/two/default/savedsearches.conf": "[Two Search]\nsearch = `proc` `two(a,b)` e=f | stats count by host\ndescription = two\n",
	})
	srcs = []Source{{Name: "splunk", Path: dir}}
	db = filepath.Join(tmp, "s.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	sameAsFullAll(t, db, srcs, "first build")
	return dir, db, srcs
}

// TestQuickSplunkDefinitions: quick rebuilds of a Splunk repository whose
// searches use macros of one name defined in several files, .conf apps'
// macros (scope), data sources and a deployment: a comment or a description
// in a search's file, alone or with an edited macro, a data source or a
// deployment; a file holding two searches; a search that becomes a macro.
// Each a full build's catalog.
func TestQuickSplunkDefinitions(t *testing.T) {
	dir, db, srcs := splunkApp(t)
	p := func(s string) string { return filepath.Join(dir, s) }

	appendLine(t, p("detections/a.yml"), "# c")
	quickRebuild(t, db, srcs, "a comment in a detection", true)
	editFile(t, p("detections/b.yml"), "description: Detects whoami.", "description: Detects net.")
	quickRebuild(t, db, srcs, "a description in a detection", true)
	appendLine(t, p("apps/one/default/savedsearches.conf"), "# c")
	quickRebuild(t, db, srcs, "a comment in an app's savedsearches.conf", true)
	editFile(t, p("apps/one/default/savedsearches.conf"), "description = other", "description = another")
	quickRebuild(t, db, srcs, "a description in an app's savedsearches.conf (its other search)", true)
	appendLine(t, p("apps/two/default/savedsearches.conf"), "# c")
	appendLine(t, p("detections/b.yml"), "# c")
	quickRebuild(t, db, srcs, "comments in two files", true)

	// a detection's comment with a definition changed in the same rebuild
	appendLine(t, p("detections/a.yml"), "# d")
	editFile(t, p("macros/a_proc.yml"), "index=first", "index=first2")
	quickRebuild(t, db, srcs, "a comment and the first proc macro changed", false)
	appendLine(t, p("detections/b.yml"), "# d")
	editFile(t, p("macros/b_proc.yml"), "description: second", "description: second, described")
	quickRebuild(t, db, srcs, "a comment and the second proc macro's description", true)
	appendLine(t, p("apps/one/default/savedsearches.conf"), "# d")
	editFile(t, p("apps/one/default/macros.conf"), "index=app_one", "index=app_one2")
	quickRebuild(t, db, srcs, "a comment and the app's macro changed", false)
	appendLine(t, p("detections/a.yml"), "# e")
	editFile(t, p("data_sources/1.yml"), "- Image\n", "- Image\n- CommandLine\n")
	quickRebuild(t, db, srcs, "a comment and a data source's fields", true)
	appendLine(t, p("detections/a.yml"), "# f")
	editFile(t, p("deployments/ttp.yml"), "-70m@m", "-7d@d")
	quickRebuild(t, db, srcs, "a comment and the deployment's schedule", true) // (the whole repository linked: bodies change in place)
	appendLine(t, p("detections/b.yml"), "# g")
	appendLine(t, p("macros/filter.yml"), "# g")
	quickRebuild(t, db, srcs, "a comment in a detection and in a macro", true)

	// the first proc macro gone from its file (a detection now): the second is the one
	writeTree(t, dir, map[string]string{"macros/a_proc.yml": escuDetection("Was Macro", "9", "", "index=x | stats count by host")})
	quickRebuild(t, db, srcs, "a macro's file a detection's", false)
	appendLine(t, p("detections/a.yml"), "# h")
	quickRebuild(t, db, srcs, "a comment after", true)
	// and back
	writeTree(t, dir, map[string]string{"macros/a_proc.yml": "definition: index=first\ndescription: first\nname: proc\n"})
	quickRebuild(t, db, srcs, "a detection's file a macro's", false)
	appendLine(t, p("apps/two/default/savedsearches.conf"), "# h")
	quickRebuild(t, db, srcs, "a comment after", true)
}

// TestQuickSplunkSameMacroFile: a file of macros.conf holding two
// definitions of one macro (the first is the one), and a search in the
// same app whose comment changes, alone and with the macros' file.
func TestQuickSplunkSameMacroFile(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "splunk")
	writeTree(t, dir, map[string]string{
		"app/default/macros.conf":          "[m]\ndefinition = index=one\n\n[m]\ndefinition = index=two\n\n[n]\ndefinition = index=three\n",
		"app/local/macros.conf":            "[n]\ndefinition = index=local\n",
		"app/default/savedsearches.conf":   "[S]\nsearch = `m` `n` a=b | stats count by host\n",
		"other/default/savedsearches.conf": "[T]\nsearch = `m` `n` c=d | stats count by host\n",
	})
	srcs := []Source{{Name: "splunk", Path: dir}}
	db := filepath.Join(tmp, "s.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	sameAsFullAll(t, db, srcs, "first build")
	p := func(s string) string { return filepath.Join(dir, s) }
	appendLine(t, p("app/default/savedsearches.conf"), "# c")
	quickRebuild(t, db, srcs, "a comment", true)
	appendLine(t, p("other/default/savedsearches.conf"), "# c")
	appendLine(t, p("app/local/macros.conf"), "# c")
	quickRebuild(t, db, srcs, "a comment and the local macros' comment", true)
	appendLine(t, p("app/default/savedsearches.conf"), "# d")
	editFile(t, p("app/local/macros.conf"), "index=local", "index=local2")
	quickRebuild(t, db, srcs, "a comment and the local macro", false) // (local/macros.conf's n overrides default/'s in the app: its search changes)
}

// TestQuickMixedRepository: a repository of Sigma rules (a correlation and
// its target, in two files; two rules of one id) and Splunk searches: a
// comment in each kind of file, alone and together, with edits that take
// the whole way after the rules of the files read again were loaded.
func TestQuickMixedRepository(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "mixed")
	other := filepath.Join(tmp, "other")
	writeTree(t, dir, map[string]string{
		"sigma/corr.yml":   corrRule,
		"sigma/target.yml": targetRule,
		"sigma/dup1.yml":   sigmaRule("Dup", "Microsoft.Compute/virtualMachines/start/action"),
		"sigma/dup2.yml":   sigmaRule("Dup", "Microsoft.Compute/virtualMachines/stop/action"),
		"sigma/plain.yml":  sigmaRule("Plain", runCommand),
		"macros/m.yml":     "definition: index=main\ndescription: m\nname: m\n",
		"detections/a.yml": escuDetection("A", "1", "", "`m` process_name=whoami.exe | stats count by dest"),
		"detections/b.yml": escuDetection("B", "2", "", "`m` process_name=net.exe | stats count by user"),
	})
	// another repository: the correlation's target again, another id
	writeTree(t, other, map[string]string{
		"corr2.yml": strings.Replace(corrRule, "00000000c0c0", "00000000c0c1", 1),
		"dup.yml":   sigmaRule("Dup", "Microsoft.Compute/virtualMachines/delete"),
	})
	srcs := []Source{{Name: "mixed", Path: dir}, {Name: "other", Path: other}}
	db := filepath.Join(tmp, "m.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	sameAsFullAll(t, db, srcs, "first build")
	p := func(s string) string { return filepath.Join(dir, s) }

	appendLine(t, p("sigma/target.yml"), "# c")
	quickRebuild(t, db, srcs, "a correlation's target, a comment", true)
	appendLine(t, p("sigma/corr.yml"), "# c")
	quickRebuild(t, db, srcs, "a correlation, a comment", false) // (its query is the YAML: the correlation's text)
	appendLine(t, p("sigma/target.yml"), "# c2")
	appendLine(t, p("sigma/plain.yml"), "# c2")
	appendLine(t, filepath.Join(other, "dup.yml"), "# c")
	quickRebuild(t, db, srcs, "a correlation's target, a rule and another repository's rule", true)
	appendLine(t, p("sigma/dup2.yml"), "# c")
	quickRebuild(t, db, srcs, "the second rule of an id", true)
	appendLine(t, p("sigma/dup1.yml"), "# c")
	appendLine(t, filepath.Join(other, "dup.yml"), "# c")
	quickRebuild(t, db, srcs, "the first rule of an id and another repository's", true)
	appendLine(t, p("detections/a.yml"), "# c")
	appendLine(t, p("sigma/plain.yml"), "# c")
	quickRebuild(t, db, srcs, "a Splunk search and a Sigma rule", true)
	appendLine(t, p("detections/b.yml"), "# c")
	appendLine(t, p("macros/m.yml"), "# c")
	appendLine(t, p("sigma/dup2.yml"), "# d")
	quickRebuild(t, db, srcs, "a Splunk search, its macro's comment, a Sigma rule", true)

	// the whole way after LoadFiles (and after LoadRepo)
	appendLine(t, p("detections/a.yml"), "# d")
	editFile(t, p("sigma/plain.yml"), "level: medium", "level: high")
	quickRebuild(t, db, srcs, "a search's comment, a Sigma level", false)
	appendLine(t, p("detections/a.yml"), "# e")
	editFile(t, p("macros/m.yml"), "index=main", "index=other")
	appendLine(t, p("sigma/target.yml"), "# e")
	quickRebuild(t, db, srcs, "a search's comment, its macro, a target's comment", false)
	appendLine(t, p("detections/b.yml"), "# f")
	editFile(t, filepath.Join(other, "corr2.yml"), "title: Many Whoami", "title: Many Whoami Too")
	quickRebuild(t, db, srcs, "a search's comment, another repository's correlation's title", true) // (a title alone: sameHeldButTitle)
	appendLine(t, p("detections/b.yml"), "# f2")
	editFile(t, filepath.Join(other, "dup.yml"), "level: medium", "level: high")
	quickRebuild(t, db, srcs, "a search's comment, another repository's level", false)
	// the second rule of an id takes the first's
	editFile(t, p("sigma/dup1.yml"), "id: 5e3b1c2a", "id: 7e3b1c2a")
	appendLine(t, p("detections/b.yml"), "# g")
	quickRebuild(t, db, srcs, "an id changed", false)
	appendLine(t, p("sigma/dup2.yml"), "# g")
	quickRebuild(t, db, srcs, "a comment after", true)
}

// TestQuickLinesMove: a comment put before a rule's lines (every line
// after it moves) in files whose rules carry diagnostics the linking
// places: an id two rules of one repository state, a correlation whose
// target is missing, a Splunk search with an undefined macro.
func TestQuickLinesMove(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "r")
	missing := strings.Replace(corrRule, "whoami_rule", "no_such_rule", 1)
	writeTree(t, dir, map[string]string{
		"sigma/dup1.yml":    sigmaRule("Dup", "Microsoft.Compute/virtualMachines/start/action"),
		"sigma/dup2.yml":    sigmaRule("Dup", "Microsoft.Compute/virtualMachines/stop/action"),
		"sigma/missing.yml": missing,
		"macros/m.yml":      "definition: index=main\ndescription: m\nname: m\n",
		"detections/a.yml":  escuDetection("A", "1", "", "`m` `undefined_one` process_name=whoami.exe | stats count by dest"),
	})
	srcs := []Source{{Name: "r", Path: dir}}
	db := filepath.Join(tmp, "r.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	sameAsFullAll(t, db, srcs, "first build")
	for _, f := range []string{"sigma/dup2.yml", "sigma/dup1.yml", "sigma/missing.yml", "detections/a.yml"} {
		p := filepath.Join(dir, f)
		editFile(t, p, "\nid:", "\n# a comment before the id\nid:")
		var out strings.Builder
		if _, err := Build(context.Background(), Options{DB: db, Sources: srcs, Progress: &out}); err != nil {
			t.Fatal(err)
		}
		sameAsFullAll(t, db, srcs, "a line before the id of "+f)
	}
}

// TestQuickSplunkCorpus: the corpus's Splunk macros, data sources and
// deployments whole and a twelfth of its detections; comments and
// descriptions in detections, alone and with a macro, a data source or a
// deployment edited: each rebuild, quick or not, a full build's catalog.
func TestQuickSplunkCorpus(t *testing.T) {
	tmp := t.TempDir()
	from := testcorpus.Dir(t, "splunk")
	dir := filepath.Join(tmp, "splunk")
	for _, sub := range []string{"macros", "data_sources", "deployments"} {
		copyTree(t, filepath.Join(from, sub), filepath.Join(dir, sub))
	}
	copyEvery(t, filepath.Join(from, "detections"), filepath.Join(dir, "detections"), 12)
	srcs := []Source{{Name: "splunk", Path: dir}}
	db := filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	dets := filesOf(t, filepath.Join(dir, "detections"), ".yml")
	macros := filesOf(t, filepath.Join(dir, "macros"), ".yml")
	sources := filesOf(t, filepath.Join(dir, "data_sources"), ".yml")
	deps := filesOf(t, filepath.Join(dir, "deployments"), ".yml")
	det := func(k int) string { return dets[(k*7919)%len(dets)] }
	quick := 0
	for i, step := range []func() string{
		func() string { appendText(t, det(1), "# c\n"); return "a detection's comment" },
		func() string {
			appendText(t, det(2), "# c\n")
			appendText(t, det(3), "# c\n")
			return "two detections' comments"
		},
		func() string {
			replaceFirst(t, det(4), "\ndescription: ", "\ndescription: Changed. ")
			return "a detection's description"
		},
		func() string {
			appendText(t, det(5), "# c\n")
			appendText(t, macros[(5*31)%len(macros)], "# c\n")
			return "a detection's comment, a macro's comment"
		},
		func() string {
			appendText(t, det(6), "# c\n")
			replaceFirst(t, macros[(6*31)%len(macros)], "\ndescription: ", "\ndescription: Changed. ")
			return "a detection's comment, a macro's description"
		},
		func() string {
			appendText(t, det(7), "# c\n")
			appendText(t, sources[(7*31)%len(sources)], "# c\n")
			return "a detection's comment, a data source's comment"
		},
		func() string {
			appendText(t, det(8), "# c\n")
			appendText(t, deps[0], "# c\n")
			return "a detection's comment, a deployment's comment"
		},
		func() string {
			touchFile(t, macros[0])
			appendText(t, det(9), "# c\n")
			return "a macro touched, a comment"
		},
	} {
		w := itoa(i) + ": " + step()
		before := quickBuilds.Load()
		if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
			t.Fatalf("%s: %v", w, err)
		}
		if quickBuilds.Load() > before {
			quick++
		}
		sameAsFullAll(t, db, srcs, w)
	}
	if quick < 4 {
		t.Errorf("%d quick rebuilds: the test tests little", quick)
	}
}

// TestLoadFilesThenRepo: the last catalog's rules loaded by kind
// (LoadFiles), then by repository (LoadRepo), are each file's rules once,
// in their order in it, as WaitRules loads them.
func TestLoadFilesThenRepo(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "r")
	writeTree(t, dir, map[string]string{
		"both.yml":  targetRule + "---\n" + corrRule,
		"other.yml": sigmaRule("Other", runCommand),
	})
	srcs := []Source{{Name: "r", Path: dir}}
	db := filepath.Join(tmp, "r.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	key := store.FileKey{Repo: "r", Path: "both.yml"}
	all, err := store.OpenPrevious(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	if err := all.WaitRules(); err != nil {
		t.Fatal(err)
	}
	want := all.RuleIDs(all.Files[key])
	p, err := store.OpenPrevious(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.LoadFiles(ctx, "r", nil, []string{"correlation"}); err != nil {
		t.Fatal(err)
	}
	if err := p.LoadRepo(ctx, "r"); err != nil {
		t.Fatal(err)
	}
	if got := p.RuleIDs(p.Files[key]); !slices.Equal(got, want) {
		t.Errorf("LoadFiles by kind, then LoadRepo: both.yml's rules %q, WaitRules %q", got, want)
	}
}

// TestQuickSingleFileSources: sources that are one file (a Splunk app's
// savedsearches.conf, beside a macros.conf that is not a source; a Sigma
// rule): comments, quick, each a full build's catalog.
func TestQuickSingleFileSources(t *testing.T) {
	tmp := t.TempDir()
	app := filepath.Join(tmp, "app", "default")
	writeTree(t, filepath.Join(tmp, "app"), map[string]string{
		"default/macros.conf":        "[m]\ndefinition = index=one\n",
		"default/savedsearches.conf": "[S]\nsearch = `m` a=b | stats count by host\n\n[T]\nsearch = `m` c=d | stats count by host\n",
	})
	writeTree(t, filepath.Join(tmp, "sigma"), map[string]string{"one.yml": sigmaRule("One", runCommand)})
	srcs := []Source{{Name: "saved", Path: filepath.Join(app, "savedsearches.conf")}, {Name: "one", Path: filepath.Join(tmp, "sigma", "one.yml")}}
	db := filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	sameAsFullAll(t, db, srcs, "first build")
	appendLine(t, filepath.Join(app, "savedsearches.conf"), "# c")
	quickRebuild(t, db, srcs, "a comment in the searches", true)
	appendLine(t, filepath.Join(tmp, "sigma", "one.yml"), "# c")
	appendLine(t, filepath.Join(app, "macros.conf"), "# c")
	quickRebuild(t, db, srcs, "a comment in the Sigma rule", true)
	editFile(t, filepath.Join(app, "savedsearches.conf"), "[T]\n", "[T]\ndescription = described\n")
	quickRebuild(t, db, srcs, "a description", false) // (the search's line moves)
}

// TestQuickSameIDOneFile: a file of two rules of one id (the second given
// another), a third in another file of the repository and a fourth in
// another repository: comments, quick, each a full build's catalog.
func TestQuickSameIDOneFile(t *testing.T) {
	tmp := t.TempDir()
	dir, other := filepath.Join(tmp, "r"), filepath.Join(tmp, "o")
	writeTree(t, dir, map[string]string{
		"a.yml": sigmaRule("Same", "Microsoft.Compute/virtualMachines/start/action") + "---\n" + sigmaRule("Same", "Microsoft.Compute/virtualMachines/stop/action"),
		"b.yml": sigmaRule("Same", "Microsoft.Compute/virtualMachines/delete"),
	})
	writeTree(t, other, map[string]string{"c.yml": sigmaRule("Same", "Microsoft.Compute/virtualMachines/write")})
	srcs := []Source{{Name: "r", Path: dir}, {Name: "o", Path: other}}
	db := filepath.Join(tmp, "c.db")
	if _, err := Build(context.Background(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	sameAsFullAll(t, db, srcs, "first build")
	appendLine(t, filepath.Join(dir, "a.yml"), "# c")
	quickRebuild(t, db, srcs, "the file of two", true)
	appendLine(t, filepath.Join(dir, "b.yml"), "# c")
	appendLine(t, filepath.Join(other, "c.yml"), "# c")
	quickRebuild(t, db, srcs, "the third and the fourth", true)
	editFile(t, filepath.Join(dir, "b.yml"), "description: Detects", "description: Finds")
	quickRebuild(t, db, srcs, "the third's description", true)
}
