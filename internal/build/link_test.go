package build

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/store"
)

const corrRule = `title: Many Whoami
id: 6c1a0000-0000-4000-8000-00000000c0c0
correlation:
    type: event_count
    rules:
        - whoami_rule
    group-by:
        - User
    timespan: 5m
    condition:
        gte: 3
level: high
`

const targetRule = `title: Whoami
id: 6c1a0000-0000-4000-8000-0000000000aa
name: whoami_rule
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
`

// TestIncrementalLinks checks that what rules say of each other (a
// correlation's target, a shared id) follows the files through incremental
// builds, as a full build says it: the warning of a missing target goes when
// the target comes and comes back when it goes, and so does a shared id's.
func TestIncrementalLinks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	tmp := t.TempDir()
	db := filepath.Join(tmp, "c.db")
	src := []Source{{Name: "r", Path: dir}}
	writeTree(t, dir, map[string]string{"corr.yml": corrRule})

	// problems returns the link diagnostics by file, after an incremental
	// build, checking that a full build gives the same catalog.
	step := 0
	problems := func() map[string][]string {
		t.Helper()
		step++
		if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
			t.Fatal(err)
		}
		full := filepath.Join(tmp, "full.db")
		store.RemoveFile(full)
		if _, err := Build(context.Background(), Options{DB: full, Sources: src, Full: true}); err != nil {
			t.Fatal(err)
		}
		if a, b := allJSON(t, db), allJSON(t, full); !reflect.DeepEqual(a, b) {
			for k := range a {
				if a[k] != b[k] {
					t.Errorf("step %d: incremental and full builds differ on %s:\n%s\n%s", step, k, a[k], b[k])
				}
			}
		}
		d, err := store.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ps, err := d.Problems(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		m := map[string][]string{}
		for _, p := range ps {
			if strings.Contains(p.Message, "refers to rule") || strings.Contains(p.Message, "is also the id of") {
				m[p.Path] = append(m[p.Path], p.Message)
			}
		}
		return m
	}
	missing := `correlation refers to rule "whoami_rule", which is not among the rules read`
	if got := problems(); len(got) != 1 || len(got["corr.yml"]) != 1 || got["corr.yml"][0] != missing {
		t.Fatalf("without its target: %q", got)
	}
	writeTree(t, dir, map[string]string{"whoami.yml": targetRule})
	if got := problems(); len(got) != 0 {
		t.Errorf("with its target: %q", got)
	}
	writeTree(t, dir, map[string]string{"copy/whoami.yml": targetRule})
	got := problems()
	if len(got["whoami.yml"]) != 1 || len(got["copy/whoami.yml"]) != 1 || !strings.Contains(got["whoami.yml"][0], "(r/copy/whoami.yml)") {
		t.Errorf("a shared id: %q", got)
	}
	if len(got["corr.yml"]) != 1 || !strings.Contains(got["corr.yml"][0], "2 rules are called") {
		t.Errorf("a target that two rules are: %q", got["corr.yml"])
	}
	if err := os.RemoveAll(filepath.Join(dir, "copy")); err != nil {
		t.Fatal(err)
	}
	if got := problems(); len(got) != 0 {
		t.Errorf("copy gone: %q", got)
	}
	if err := os.Remove(filepath.Join(dir, "whoami.yml")); err != nil {
		t.Fatal(err)
	}
	if got := problems(); len(got["corr.yml"]) != 1 || got["corr.yml"][0] != missing {
		t.Errorf("target gone: %q", got)
	}
}

// TestIncrementalCorrelationActions: a correlation's actions are those of
// the rules it correlates, and are part of its search text; when a target's
// action changes, an incremental build finds the correlation by the new
// action and not by the old one, as a full build does.
func TestIncrementalCorrelationActions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rules")
	tmp := t.TempDir()
	src := []Source{{Name: "r", Path: dir}}
	target := func(op string) string {
		return strings.Replace(sigmaRule("Target", op), "status: test\n", "name: target_rule\nstatus: test\n", 1)
	}
	const corr = `title: Many Target
id: 6c1a0000-0000-4000-8000-00000000c0c1
correlation:
    type: event_count
    rules:
        - target_rule
    group-by:
        - Caller
    timespan: 5m
    condition:
        gte: 3
level: high
`
	const extWrite = "Microsoft.Compute/virtualMachines/extensions/write"
	writeTree(t, dir, map[string]string{"target.yml": target(runCommand), "corr.yml": corr})
	db := filepath.Join(tmp, "c.db")
	found := func(path, text string) bool {
		t.Helper()
		res, err := openCatalog(t, path).Search(t.Context(), store.Query{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if h.Title == "Many Target" {
				return true
			}
		}
		return false
	}
	if _, err := Build(context.Background(), Options{DB: db, Sources: src}); err != nil {
		t.Fatal(err)
	}
	if !found(db, `"`+runCommand+`"`) || found(db, `"`+extWrite+`"`) {
		t.Fatalf("first build: the correlation is not found by its target's action alone")
	}
	writeTree(t, dir, map[string]string{"target.yml": target(extWrite)})
	full := filepath.Join(tmp, "full.db")
	for _, b := range []struct {
		db   string
		full bool
	}{{db, false}, {full, true}} {
		if _, err := Build(context.Background(), Options{DB: b.db, Sources: src, Full: b.full}); err != nil {
			t.Fatal(err)
		}
		if !found(b.db, `"`+extWrite+`"`) || found(b.db, `"`+runCommand+`"`) {
			t.Errorf("full %v: the correlation is not found by its target's new action alone", b.full)
		}
	}
}

// TestIncrementalLinkByRepo checks that a language whose Link lowers a
// repository's rules with its own definitions (macros of a .conf file
// used by another file's searches) is linked again in a repository where
// one file changed, and left as the last build linked it in a repository
// where none did: the catalog is a full build's, and the search of the
// unchanged file of the changed repository has the new definition.
func TestIncrementalLinkByRepo(t *testing.T) {
	tmp := t.TempDir()
	macros := func(code string) string {
		return "[failed_logons]\ndefinition = index=wineventlog EventCode=" + code + "\n"
	}
	const searches = "[Many Failed Logons - Rule]\ndescription = Many failed logons on one host.\n" +
		"search = `failed_logons` | stats count by host | where count > 10\n"
	app, other := filepath.Join(tmp, "app"), filepath.Join(tmp, "other")
	writeTree(t, app, map[string]string{"default/macros.conf": macros("4625"), "default/savedsearches.conf": searches})
	writeTree(t, other, map[string]string{"default/macros.conf": macros("4771"), "default/savedsearches.conf": searches})
	srcs := []Source{{Name: "app", Path: app}, {Name: "other", Path: other}}
	db, full := filepath.Join(tmp, "c.db"), filepath.Join(tmp, "full.db")
	if _, err := Build(t.Context(), Options{DB: db, Sources: srcs}); err != nil {
		t.Fatal(err)
	}
	writeTree(t, app, map[string]string{"default/macros.conf": macros("4740")})
	sum, err := Build(t.Context(), Options{DB: db, Sources: srcs})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 1 || sum.Reused != 3 {
		t.Fatalf("incremental build read %d files and reused %d, want 1 and 3", sum.Read, sum.Reused)
	}
	if _, err := Build(t.Context(), Options{DB: full, Sources: srcs, Full: true}); err != nil {
		t.Fatal(err)
	}
	a, b := allJSON(t, db), allJSON(t, full)
	if len(a) != len(b) {
		t.Errorf("incremental build has %d rules, a full build %d", len(a), len(b))
	}
	var in4740, in4771 int
	for k := range b {
		if a[k] != b[k] {
			x, y := firstDifference(a[k], b[k])
			t.Errorf("incremental and full builds differ on %s:\n…%s…\n…%s…", k, x, y)
		}
		if strings.Contains(a[k], `"Many Failed Logons`) {
			if strings.Contains(a[k], `"4740"`) {
				in4740++
			}
			if strings.Contains(a[k], `"4771"`) {
				in4771++
			}
		}
	}
	if in4740 != 1 || in4771 != 1 {
		t.Errorf("searches with the changed repository's definition: %d, the other's: %d; want 1 and 1", in4740, in4771)
	}
}
