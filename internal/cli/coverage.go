package cli

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
)

func init() {
	register(&Command{
		Name: "coverage",
		Usage: "[--db FILE | SOURCE...] [--platform kusto,sigma] [--facet KEY=VALUE]... [--json] [--all] " +
			"[--navigator FILE [--name NAME] [--attack-platform Windows,IaaS]] [--attack FILE]",
		Summary: "ATT&CK coverage of the rules: tactics and techniques with rule counts by platform, " +
			"or an ATT&CK Navigator layer (--navigator)",
		Run: runCoverage,
	})
}

// coverageFlags are the flags of coverage, which export navigator takes too.
type coverageFlags struct {
	db, platforms, navigator, name, attackPlatforms, table *string
	asJSON, all                                            *bool
	facets                                                 facetFlags
}

func defineCoverageFlags(fs *flag.FlagSet) *coverageFlags {
	c := &coverageFlags{facets: facetFlags{}}
	c.db = fs.String("db", "", "read the rules of this built catalog `FILE` (ruledex build)")
	c.platforms = fs.String("platform", "", "count only the rules of these `PLATFORMS` (comma-separated: kusto,sigma,...)")
	c.asJSON = fs.Bool("json", false, "print the matrix as JSON")
	c.all = fs.Bool("all", false, "list techniques with no rule too")
	c.navigator = fs.String("navigator", "", "write an ATT&CK Navigator layer (format 4.5) to this `FILE` (- for standard output)")
	c.name = fs.String("name", "ruledex coverage", "the Navigator layer's `NAME`")
	c.attackPlatforms = fs.String("attack-platform", "", "the layer's ATT&CK `PLATFORMS` filter (comma-separated: Windows,Linux,IaaS,...)")
	c.table = fs.String("attack", "", "ATT&CK table `FILE` to use instead of the embedded one (ruledex attack import; - for standard input)")
	fs.Var(c.facets, "facet", "count only the rules with this facet value `KEY=VALUE`, as search filters (repeatable: "+strings.Join(store.Facets, ", ")+")")
	return c
}

func runCoverage(env *Env, fs *flag.FlagSet, args []string) error {
	c := defineCoverageFlags(fs)
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	return coverage(env, c, args)
}

// coverage runs coverage with its flags parsed and its arguments.
func coverage(env *Env, c *coverageFlags, args []string) error {
	db, platforms, asJSON, all, navigator, name, attackPlatforms, table, facets :=
		c.db, c.platforms, c.asJSON, c.all, c.navigator, c.name, c.attackPlatforms, c.table, c.facets
	var err error
	if err := noStdio("--db", *db, "a catalog (a SQLite file)"); err != nil {
		return err
	}
	if *db != "" && len(args) > 0 {
		return &UsageError{Msg: "give --db or SOURCE folders, not both"}
	}
	if *db == "" && len(args) == 0 {
		return &UsageError{Msg: "give --db FILE or SOURCE folders"}
	}
	tb := attack.Default()
	if *table != "" {
		if tb, err = loadAttackTable(env, *table); err != nil {
			return err
		}
		attack.SetDefault(tb) // rules read from SOURCE folders resolve with it too
	}
	// A rule counts when it is of a platform asked for (any, when none is)
	// and has the facets of matched.
	only := splitList(*platforms)
	keep := map[string]bool{}
	for _, p := range only {
		keep[strings.ToLower(p)] = true
	}
	counts := func(r *rule.Rule, matched facetFlags) bool {
		return (len(keep) == 0 || keep[strings.ToLower(r.Platform)]) && store.MatchFacets(r, matched)
	}
	var rules []*rule.Rule
	if *db != "" {
		// Of each rule what the matrix reads (its head), the facets
		// filtered by the catalog's index as a search filters them. With
		// another ATT&CK table (--attack) the tactics and techniques the
		// index holds are the build's table's: those facets are matched on
		// each head once the table has resolved it.
		indexed, resolved := facets, facetFlags(nil)
		if *table != "" {
			indexed, resolved = facetFlags{}, facetFlags{}
			for k, v := range facets {
				if k == store.FacetTactic || k == store.FacetTechnique {
					resolved[k] = v
				} else {
					indexed[k] = v
				}
			}
		}
		d, err := store.Open(*db)
		if err != nil {
			return err
		}
		err = d.EachHead(env.Ctx, indexed, func(r *rule.Rule) error {
			if *table != "" {
				tb.ResolveRule(r)
			}
			if counts(r, resolved) {
				rules = append(rules, r)
			}
			return nil
		})
		d.Close()
		if err != nil {
			return err
		}
	} else {
		var targets []ingest.Target
		for _, a := range args {
			targets = append(targets, ingest.Target{Path: a})
		}
		res, err := readRuleTargets(env, targets, ingest.Options{})
		if err != nil {
			return err
		}
		for _, fr := range res {
			for _, r := range fr.Rules {
				catalog.ClassifyKind(r) // alert feeds are left out of the coverage
				if counts(r, facets) {
					rules = append(rules, r)
				}
			}
		}
	}
	m := catalog.Coverage(rules, tb)
	if *navigator != "" {
		desc := fmt.Sprintf("ATT&CK coverage of %d rules (ruledex)", m.Rules)
		if len(facets) > 0 {
			desc += "; rules with " + facets.String()
		}
		data, err := catalog.NavigatorLayer(m, *name, catalog.LayerFilters{
			Description:     desc,
			Platforms:       only,
			AttackPlatforms: splitList(*attackPlatforms),
		})
		if err != nil {
			return err
		}
		data = append(data, '\n')
		if *navigator == "-" {
			_, err = env.Stdout.Write(data)
			return err
		}
		if err := os.WriteFile(*navigator, data, 0o644); err != nil { // "-" is written above
			return err
		}
		fmt.Fprintf(env.Stderr, "ruledex: wrote %s: %d rules, %d techniques and %d sub-techniques covered\n",
			*navigator, m.Rules, m.Covered, m.CoveredSub)
		return nil
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(m)
	}
	return printCoverage(env, m, *all)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// printCoverage prints the matrix as text: a line per tactic, then its
// covered techniques with their rule counts by platform.
func printCoverage(env *Env, m catalog.Matrix, all bool) error {
	w := bufio.NewWriter(env.Stdout)
	total := 0
	for _, ta := range m.Tactics {
		total += len(ta.Techniques)
	}
	fmt.Fprintf(w, "ATT&CK %s coverage: %d rules (%d with techniques), platforms %s\n", m.Attack, m.Rules, m.Mapped, strings.Join(m.Platforms, ", "))
	fmt.Fprintf(w, "%d techniques and %d sub-techniques have rules\n", m.Covered, m.CoveredSub)
	for _, ta := range m.Tactics {
		fmt.Fprintf(w, "\n%s %s: %d of %d techniques, %d rules\n", ta.ID, ta.Name, ta.Covered, len(ta.Techniques), ta.Rules)
		for _, te := range ta.Techniques {
			if te.Rules == 0 && !all {
				continue
			}
			fmt.Fprintf(w, "  %-10s %-55s %5d  %s\n", te.ID, clip(te.Name, 55), te.Rules, byPlatform(te.ByPlatform))
			for _, s := range te.Subtechniques {
				if s.Rules == 0 && !all {
					continue
				}
				fmt.Fprintf(w, "    %-10s %-53s %5d  %s\n", s.ID, clip(s.Name, 53), s.Rules, byPlatform(s.ByPlatform))
			}
		}
	}
	if len(m.Outside) > 0 {
		fmt.Fprintf(w, "\nTechnique ids outside ATT&CK %s:\n", m.Attack)
		for _, o := range m.Outside {
			fmt.Fprintf(w, "  %-10s %-10s %5d rules\n", o.ID, o.Reason, o.Rules)
		}
	}
	return w.Flush()
}

func byPlatform(m map[string]int) string {
	var ps []string
	for p := range m {
		ps = append(ps, p)
	}
	sortStrings(ps)
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%s %d", p, m[p]))
	}
	return strings.Join(parts, ", ")
}

func sortStrings(ss []string) {
	for i := 1; i < len(ss); i++ {
		for j := i; j > 0 && ss[j] < ss[j-1]; j-- {
			ss[j], ss[j-1] = ss[j-1], ss[j]
		}
	}
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
