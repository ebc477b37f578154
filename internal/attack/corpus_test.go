package attack_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/ingest"
)

// corpusBase returns the shared rule corpus (env RULEDEX_CORPUS, else
// ../../../shared/corpus), or skips the test.
func corpusBase(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("RULEDEX_CORPUS")
	if base == "" {
		base = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		tb.Skipf("corpus folder %s is absent (set RULEDEX_CORPUS): skipping", base)
	}
	return base
}

// TestCorpusTechniques reads the whole corpus through ingest (which
// resolves ATT&CK) and checks that every technique a rule states is either
// resolved (name and tactics from the table) or flagged unknown with a
// positioned warning on the rule, and that every stated tactic is a
// shortname or warned about.
func TestCorpusTechniques(t *testing.T) {
	base := corpusBase(t)
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	var targets []ingest.Target
	for _, e := range entries {
		if e.IsDir() {
			targets = append(targets, ingest.Target{Repo: e.Name(), Path: filepath.Join(base, e.Name())})
		}
	}
	results, err := ingest.Read(context.Background(), targets, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tb := attack.Default()
	var rules, techs, resolved, revoked, deprecated int
	unknown := map[string]int{}
	badTactics := map[string]int{}
	for _, res := range results {
		for _, r := range res.Rules {
			rules++
			warned := func(what string) bool {
				for _, d := range r.Diagnostics {
					if d.Severity == "warning" && strings.Contains(d.Message, what) && d.Line > 0 && d.Col > 0 && d.Path == r.Source.Path {
						return true
					}
				}
				return false
			}
			for _, te := range r.Techniques {
				techs++
				switch {
				case te.Unknown:
					unknown[te.ID]++
					if !warned(te.ID) {
						t.Errorf("%s: unknown technique %s without a positioned warning: %+v", r.ID, te.ID, r.Diagnostics)
					}
				default:
					cur, ok := tb.Technique(te.ID)
					if !ok || cur.Name != te.Name || len(te.Tactics) == 0 || te.Tactic == "" {
						t.Errorf("%s: technique %+v not resolved", r.ID, te)
					}
					resolved++
					if te.Revoked {
						revoked++
						if te.StatedAs == "" || te.RevokedBy != te.ID {
							t.Errorf("%s: revoked %+v lacks its stated id", r.ID, te)
						}
					}
					if te.Deprecated {
						deprecated++
					}
				}
			}
			for _, ta := range r.Tactics {
				if _, ok := tb.Tactic(ta); ok {
					if full, _ := tb.Tactic(ta); full.Shortname != ta {
						t.Errorf("%s: tactic %q not normalised to %q", r.ID, ta, full.Shortname)
					}
					continue
				}
				badTactics[ta]++
				if !warned(ta) {
					t.Errorf("%s: unknown tactic %q without a warning", r.ID, ta)
				}
			}
		}
	}
	if techs == 0 {
		t.Fatalf("no techniques in %d rules: is the corpus read?", rules)
	}
	t.Logf("%d rules, %d technique mappings: %d resolved (%d revoked → replaced, %d deprecated), %d unknown",
		rules, techs, resolved, revoked, deprecated, techs-resolved)
	t.Logf("unknown techniques: %s", top(unknown, 15))
	t.Logf("unknown tactics: %s", top(badTactics, 15))
}

func top(m map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	for k, v := range m {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool {
		if kvs[i].v != kvs[j].v {
			return kvs[i].v > kvs[j].v
		}
		return kvs[i].k < kvs[j].k
	})
	var parts []string
	for i, x := range kvs {
		if i == n {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, x.k+" ×"+itoa(x.v))
	}
	return strings.Join(parts, ", ")
}

func itoa(n int) string {
	s := ""
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
