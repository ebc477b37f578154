package catalog

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/rule"
)

func techRule(id, platform, kind string, techs ...string) *rule.Rule {
	r := &rule.Rule{ID: id, Platform: platform, Kind: kind, Title: id}
	for _, t := range techs {
		r.Techniques = append(r.Techniques, rule.Technique{ID: t})
	}
	return r
}

func findTech(m Matrix, tactic, id string) (TechniqueCoverage, bool) {
	for _, ta := range m.Tactics {
		if ta.Shortname != tactic {
			continue
		}
		for _, te := range ta.Techniques {
			if te.ID == id {
				return te, true
			}
			for _, s := range te.Subtechniques {
				if s.ID == id {
					return s, true
				}
			}
		}
	}
	return TechniqueCoverage{}, false
}

func coverageRules() []*rule.Rule {
	return []*rule.Rule{
		techRule("kusto/a", "kusto", rule.KindDetection, "T1059.001", "T1059"),
		techRule("sigma/b", "sigma", rule.KindDetection, "t1059.003"),
		techRule("sigma/c", "sigma", rule.KindHunting, "T1086"), // revoked → T1059.001
		techRule("kusto/feed", "kusto", rule.KindAlertFeed, "T1059"),
		techRule("kusto/d", "kusto", rule.KindDetection, "T1078", "T9999", "T1059.001"),
		techRule("kusto/e", "kusto", rule.KindDetection),
		{ID: "kusto/f", Platform: "kusto", Kind: rule.KindDetection, Tactics: []string{"Execution", "impact"}},
		{ID: "kusto/g", Platform: "kusto", Kind: rule.KindDetection, Tactics: []string{"execution"}, Techniques: []rule.Technique{{ID: "T1059"}}},
	}
}

func TestCoverage(t *testing.T) {
	m := Coverage(coverageRules(), attack.Default())
	if m.Rules != 7 || m.Mapped != 5 {
		t.Errorf("rules %d mapped %d, want 7 and 5", m.Rules, m.Mapped)
	}
	for _, ta := range m.Tactics {
		want := map[string]int{"execution": 1, "impact": 1}[ta.Shortname] // f; g has a technique of execution
		if ta.TacticOnly != want {
			t.Errorf("%s: %d rules state only the tactic, want %d", ta.Shortname, ta.TacticOnly, want)
		}
	}
	if len(m.Tactics) != 16 || m.Tactics[0].Shortname != "reconnaissance" || m.Tactics[15].Shortname != "impact" || m.Tactics[7].Name != "Stealth" {
		t.Fatalf("tactics not in matrix order")
	}
	te, ok := findTech(m, "execution", "T1059")
	if !ok {
		t.Fatal("T1059 not under execution")
	}
	// a, b (sub .003), c (T1086 → .001), d, g: five rules; the feed is left out.
	if te.Rules != 5 || te.ByPlatform["kusto"] != 3 || te.ByPlatform["sigma"] != 2 {
		t.Errorf("T1059 = %d rules %v", te.Rules, te.ByPlatform)
	}
	if strings.Join(te.RuleIDs, " ") != "kusto/a kusto/d kusto/g sigma/b sigma/c" {
		t.Errorf("T1059 rules = %v", te.RuleIDs)
	}
	if sub, _ := findTech(m, "execution", "T1059.001"); sub.Rules != 3 {
		t.Errorf("T1059.001 = %d rules, want 3 (a, c revoked T1086, d)", sub.Rules)
	}
	if sub, _ := findTech(m, "execution", "T1059.003"); sub.Rules != 1 {
		t.Errorf("T1059.003 = %d rules", sub.Rules)
	}
	// T1078 Valid Accounts is under four tactics, counted under each.
	for _, ta := range []string{"defense-evasion", "persistence", "privilege-escalation", "initial-access"} {
		if v, ok := findTech(m, ta, "T1078"); !ok || v.Rules != 1 {
			t.Errorf("T1078 under %s: %+v %v", ta, v.Rules, ok)
		}
	}
	if len(m.Outside) != 1 || m.Outside[0].ID != "T9999" || m.Outside[0].Reason != "unknown" || m.Outside[0].Rules != 1 {
		t.Errorf("outside = %+v", m.Outside)
	}
	for _, ta := range m.Tactics {
		if ta.Shortname == "execution" && ta.Rules != 5 {
			t.Errorf("execution: %d rules, want 5", ta.Rules)
		}
		for i := 1; i < len(ta.Techniques); i++ {
			if ta.Techniques[i-1].Name > ta.Techniques[i].Name {
				t.Errorf("%s: techniques not sorted by name", ta.Shortname)
				break
			}
		}
	}
	if strings.Join(m.Platforms, ",") != "kusto,sigma" {
		t.Errorf("platforms = %v", m.Platforms)
	}
	if m.Covered != 2 || m.CoveredSub != 2 {
		t.Errorf("covered = %d techniques, %d sub-techniques; want 2 (T1059, T1078) and 2 (.001, .003)", m.Covered, m.CoveredSub)
	}
	empty := Coverage(nil, nil)
	if empty.Rules != 0 || len(empty.Tactics) != 16 || empty.Outside == nil {
		t.Errorf("empty coverage: %+v", empty)
	}
}

var (
	techniqueIDRE = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
	hexColorRE    = regexp.MustCompile(`^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$`)
)

// checkLayer checks a layer against the Navigator's layer format 4.5
// (attack-navigator layers/spec/v4.5/layerformat.md): required keys and
// their types, enumerations, technique ids and tactic shortnames.
func checkLayer(t *testing.T, data []byte, tb *attack.Table) map[string]any {
	t.Helper()
	var l map[string]any
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatalf("layer is no JSON object: %v", err)
	}
	str := func(obj map[string]any, key string, required bool) string {
		v, ok := obj[key]
		if !ok {
			if required {
				t.Errorf("missing required key %q", key)
			}
			return ""
		}
		s, ok := v.(string)
		if !ok {
			t.Errorf("%q is %T, want a string", key, v)
		}
		return s
	}
	num := func(obj map[string]any, key string) (float64, bool) {
		v, ok := obj[key]
		if !ok {
			return 0, false
		}
		f, ok := v.(float64)
		if !ok {
			t.Errorf("%q is %T, want a number", key, v)
		}
		return f, true
	}
	boolean := func(obj map[string]any, key string) {
		if v, ok := obj[key]; ok {
			if _, ok := v.(bool); !ok {
				t.Errorf("%q is %T, want a boolean", key, v)
			}
		}
	}
	list := func(obj map[string]any, key string) []any {
		v, ok := obj[key]
		if !ok {
			return nil
		}
		a, ok := v.([]any)
		if !ok {
			t.Errorf("%q is %T, want an array", key, v)
		}
		return a
	}
	object := func(v any, what string) map[string]any {
		o, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s is %T, want an object", what, v)
		}
		return o
	}
	metadata := func(obj map[string]any, what string) {
		for _, x := range list(obj, "metadata") {
			md := object(x, what+" metadata")
			if _, div := md["divider"]; div {
				continue
			}
			str(md, "name", true)
			str(md, "value", true)
		}
		for _, x := range list(obj, "links") {
			lk := object(x, what+" link")
			str(lk, "label", true)
			if u := str(lk, "url", true); !strings.Contains(u, "://") {
				t.Errorf("%s link url %q has no protocol", what, u)
			}
		}
	}
	if str(l, "name", true) == "" {
		t.Errorf("empty name")
	}
	str(l, "description", false)
	if d := str(l, "domain", true); d != "enterprise-attack" && d != "mobile-attack" && d != "ics-attack" {
		t.Errorf("domain %q", d)
	}
	if v, ok := l["versions"]; ok {
		vs := object(v, "versions")
		if str(vs, "layer", true) != "4.5" {
			t.Errorf("versions.layer = %q, want 4.5", vs["layer"])
		}
		nav := str(vs, "navigator", true)
		if !regexp.MustCompile(`^\d+\.\d+(\.\d+)?$`).MatchString(nav) || nav < "4.9" {
			t.Errorf("versions.navigator = %q, must be at least 4.9.0", nav)
		}
		str(vs, "attack", false)
	}
	platforms := map[string]bool{}
	for _, p := range tb.Platforms() {
		platforms[p] = true
	}
	if v, ok := l["filters"]; ok {
		for _, p := range list(object(v, "filters"), "platforms") {
			if s, _ := p.(string); !platforms[s] {
				t.Errorf("filters.platforms: %v is not an ATT&CK platform", p)
			}
		}
	}
	if s, ok := num(l, "sorting"); ok && (s < 0 || s > 3 || s != float64(int(s))) {
		t.Errorf("sorting = %v", s)
	}
	if v, ok := l["layout"]; ok {
		lo := object(v, "layout")
		if s := str(lo, "layout", false); s != "" && s != "side" && s != "flat" && s != "mini" {
			t.Errorf("layout.layout = %q", s)
		}
		if s := str(lo, "aggregateFunction", false); s != "" && s != "average" && s != "min" && s != "max" && s != "sum" {
			t.Errorf("layout.aggregateFunction = %q", s)
		}
		if s := str(lo, "expandedSubtechniques", false); s != "" && s != "none" && s != "all" && s != "annotated" {
			t.Errorf("layout.expandedSubtechniques = %q", s)
		}
		for _, k := range []string{"showID", "showName", "showAggregateScores", "countUnscored"} {
			boolean(lo, k)
		}
	}
	for _, k := range []string{"hideDisabled", "showTacticRowBackground", "selectTechniquesAcrossTactics", "selectSubtechniquesWithParent", "selectVisibleTechniques"} {
		boolean(l, k)
	}
	if s := str(l, "tacticRowBackground", false); s != "" && !hexColorRE.MatchString(s) {
		t.Errorf("tacticRowBackground = %q", s)
	}
	tactics := map[string]bool{}
	for _, ta := range tb.Tactics() {
		tactics[ta.Shortname] = true
	}
	for i, x := range list(l, "techniques") {
		te := object(x, "technique")
		id := str(te, "techniqueID", true)
		if !techniqueIDRE.MatchString(id) {
			t.Errorf("technique %d: techniqueID %q", i, id)
		}
		known, ok := tb.Technique(id)
		if !ok || known.Revoked || known.Deprecated {
			t.Errorf("technique %d: %s is not a current ATT&CK technique", i, id)
		}
		if ta := str(te, "tactic", false); ta != "" {
			if !tactics[ta] {
				t.Errorf("technique %s: tactic %q is not a tactic shortname", id, ta)
			} else if ok && !hasString(known.Tactics, ta) {
				t.Errorf("technique %s is not under tactic %s", id, ta)
			}
		}
		num(te, "score")
		str(te, "comment", false)
		if c := str(te, "color", false); c != "" && !hexColorRE.MatchString(c) {
			t.Errorf("technique %s: color %q", id, c)
		}
		boolean(te, "enabled")
		boolean(te, "showSubtechniques")
		metadata(te, "technique "+id)
	}
	if v, ok := l["gradient"]; ok {
		g := object(v, "gradient")
		colors := list(g, "colors")
		if len(colors) < 2 {
			t.Errorf("gradient has %d colors, needs at least 2", len(colors))
		}
		for _, c := range colors {
			if s, _ := c.(string); !hexColorRE.MatchString(s) {
				t.Errorf("gradient color %v", c)
			}
		}
		lo, ok1 := num(g, "minValue")
		hi, ok2 := num(g, "maxValue")
		if !ok1 || !ok2 || !(hi > lo) {
			t.Errorf("gradient min %v max %v: both required, max > min", g["minValue"], g["maxValue"])
		}
	}
	for _, x := range list(l, "legendItems") {
		li := object(x, "legend item")
		str(li, "label", true)
		if c := str(li, "color", true); !hexColorRE.MatchString(c) {
			t.Errorf("legend color %q", c)
		}
	}
	metadata(l, "layer")
	return l
}

func hasString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestNavigatorLayer(t *testing.T) {
	tb := attack.Default()
	m := Coverage(coverageRules(), tb)
	data, err := NavigatorLayer(m, "ruledex coverage", LayerFilters{Description: "all rules"})
	if err != nil {
		t.Fatal(err)
	}
	l := checkLayer(t, data, tb)
	v := l["versions"].(map[string]any)
	if v["attack"] != "18" || v["navigator"] != NavigatorVersion || v["layer"] != "4.5" {
		t.Errorf("versions = %v", v)
	}
	scores := map[string]float64{}
	for _, x := range l["techniques"].([]any) {
		te := x.(map[string]any)
		scores[te["techniqueID"].(string)+"/"+te["tactic"].(string)] = te["score"].(float64)
	}
	want := map[string]float64{"T1059/execution": 5, "T1059.001/execution": 3, "T1059.003/execution": 1,
		"T1078/persistence": 1, "T1078/initial-access": 1, "T1078/defense-evasion": 1, "T1078/privilege-escalation": 1}
	for k, w := range want {
		if scores[k] != w {
			t.Errorf("score %s = %v, want %v", k, scores[k], w)
		}
	}
	if len(scores) != len(want) {
		t.Errorf("layer has %d technique entries, want %d: %v", len(scores), len(want), scores)
	}
	if g := l["gradient"].(map[string]any); g["maxValue"].(float64) != 5 {
		t.Errorf("gradient max = %v", g["maxValue"])
	}

	// Only the Sigma rules, only Windows.
	data, err = NavigatorLayer(m, "sigma", LayerFilters{Platforms: []string{"sigma"}, AttackPlatforms: []string{"windows"}})
	if err != nil {
		t.Fatal(err)
	}
	l = checkLayer(t, data, tb)
	if ps := l["filters"].(map[string]any)["platforms"].([]any); len(ps) != 1 || ps[0] != "Windows" {
		t.Errorf("filters.platforms = %v", ps)
	}
	n := 0
	for _, x := range l["techniques"].([]any) {
		te := x.(map[string]any)
		n++
		if te["techniqueID"] == "T1059" && te["score"].(float64) != 2 {
			t.Errorf("sigma T1059 score = %v, want 2", te["score"])
		}
		if te["techniqueID"] == "T1078" {
			t.Errorf("T1078 has no sigma rule, yet is in the sigma layer")
		}
	}
	if n != 3 {
		t.Errorf("sigma layer: %d entries, want 3 (T1059, .001, .003)", n)
	}

	if _, err := NavigatorLayer(m, "x", LayerFilters{AttackPlatforms: []string{"Amiga"}}); err == nil {
		t.Errorf("unknown ATT&CK platform accepted")
	}
	if _, err := NavigatorLayer(m, " ", LayerFilters{}); err == nil {
		t.Errorf("empty name accepted")
	}
	// An empty matrix still makes a valid layer.
	data, err = NavigatorLayer(Coverage(nil, tb), "empty", LayerFilters{})
	if err != nil {
		t.Fatal(err)
	}
	checkLayer(t, data, tb)
}

func BenchmarkCoverage(b *testing.B) {
	tb := attack.Default()
	techs := tb.Techniques()
	var rules []*rule.Rule
	for i := 0; i < 10000; i++ {
		r := techRule("r/"+strings.Repeat("x", i%7)+string(rune('a'+i%26)), []string{"kusto", "sigma", "elastic"}[i%3], rule.KindDetection,
			techs[i%len(techs)].ID, techs[(i*7)%len(techs)].ID)
		rules = append(rules, r)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := Coverage(rules, tb)
		if _, err := NavigatorLayer(m, "bench", LayerFilters{}); err != nil {
			b.Fatal(err)
		}
	}
}
