package sigma

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// yamlFiles reads the .yml and .yaml files under dir, sorted.
func yamlFiles(t testing.TB, dir string) []testcorpus.File {
	t.Helper()
	return testcorpus.Files(t, dir, ".yml", ".yaml")
}

// TestCorpusParses reads every rule of the SigmaHQ corpus: none may have an
// error, every condition's identifiers must exist (checked by Parse, as
// errors), and every modifier met must be one of the specification.
func TestCorpusParses(t *testing.T) {
	dir := testcorpus.Dir(t, "sigma")
	files := yamlFiles(t, dir)
	if len(files) < 3000 {
		t.Fatalf("only %d Sigma files in %s", len(files), dir)
	}
	modifiers := map[string]int{}
	warnings := map[string]int{}
	rules := 0
	for _, file := range files {
		p, src := filepath.Join(dir, filepath.FromSlash(file.Rel)), file.Data
		f, err := parsed(Parse(src))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			for _, e := range f.Errors {
				t.Logf("  %s", e)
			}
			continue
		}
		for _, e := range f.Errors {
			msg := e.Msg
			if i := strings.IndexByte(msg, '"'); i > 0 {
				msg = msg[:i]
			}
			warnings[msg]++
		}
		for _, d := range f.Rules() {
			rules++
			if d.Kind != DocRule {
				t.Errorf("%s: document %d is %s, not a rule", p, d.Index, d.Kind)
			}
			if d.Detection == nil || len(d.Detection.Conditions) == 0 {
				t.Errorf("%s: no detection or no condition", p)
				continue
			}
			for _, c := range d.Detection.Conditions {
				// The printed condition parses back to the same tree.
				if y, err := ParseCondition(c.Expr.String()); err.Err() != nil || y.String() != c.Expr.String() {
					t.Errorf("%s: condition %q does not round-trip: %v", p, c.Text, err)
				}
				Inspect(c.Expr, func(x Expr) bool {
					switch x := x.(type) {
					case *Ident:
						if d.Detection.Search(x.Name) == nil {
							t.Errorf("%s:%s: condition names %q, which is not a search identifier", p, c.Position(x.NamePos), x.Name)
						}
					case *OfExpr:
						if len(d.Detection.Match(x)) == 0 {
							t.Errorf("%s:%s: %s matches no search identifier", p, c.Position(x.Pos()), x)
						}
					case *BadExpr:
						t.Errorf("%s:%s: condition could not be read", p, c.Pos)
					}
					return true
				})
			}
			for _, s := range d.Detection.Searches {
				for _, a := range s.Alts {
					for _, m := range a.Matches {
						for _, mod := range m.Modifiers {
							modifiers[mod.Name]++
							if mod.Info == nil {
								t.Errorf("%s:%s: unknown modifier %q", p, mod.Pos, mod.Name)
							}
						}
					}
				}
			}
		}
	}
	var names []string
	for n := range modifiers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("modifier %-14s %5d", n, modifiers[n])
	}
	for w, n := range warnings {
		t.Logf("warning %5d %s", n, w)
	}
	t.Logf("%d files, %d rules", len(files), rules)
}
