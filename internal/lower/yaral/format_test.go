package loweryaral

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

// TestSeveralRules: a file of several rules gives one rule each, with its
// own query and line; a problem goes to the rule that holds it.
func TestSeveralRules(t *testing.T) {
	src := `/* two rules */
rule first_rule {
  meta:
    rule_name = "First"
    type = "hunt"
  events:
    $e.metadata.event_type = "USER_LOGIN"
  condition:
    $e
}

rule second_rule {
  events:
    $e.metadata.event_type = = "X"
  condition:
    $e
}
`
	rules := readRules(t, "two.yaral", []byte(src))
	if len(rules) != 2 {
		t.Fatalf("%d rules, want 2", len(rules))
	}
	a, b := rules[0], rules[1]
	if a.ID != "first_rule" || a.Title != "First" || a.Kind != rule.KindHunting || a.QueryLine != 2 || !strings.HasPrefix(a.Query, "rule first_rule {") || !strings.HasSuffix(a.Query, "}") {
		t.Errorf("first: id %q title %q kind %q line %d query %q", a.ID, a.Title, a.Kind, a.QueryLine, a.Query)
	}
	if b.ID != "second_rule" || b.Title != "second_rule" || b.QueryLine != 12 || strings.Contains(b.Query, "first_rule") {
		t.Errorf("second: id %q title %q line %d", b.ID, b.Title, b.QueryLine)
	}
	if a.HasErrors() {
		t.Errorf("first rule has errors: %v", a.Diagnostics)
	}
	if !b.HasErrors() || b.Diagnostics[0].Line != 14 || b.Diagnostics[0].Path != "two.yaral" {
		t.Errorf("second rule's diagnostics %v, want an error on line 14", b.Diagnostics)
	}
	if len(a.Stages) != 2 || a.Stages[0].Line != 6 || a.Stages[0].Col != 5 {
		t.Errorf("first rule's stages %+v: want the events stage at query line 6, column 5", a.Stages)
	}
}

// TestNoRule: a .yaral file with no rule is not of the format.
func TestNoRule(t *testing.T) {
	ft := lang.FormatByName(FormatName)
	for _, src := range []string{"", "// nothing\n", "ruleset x {}\n"} {
		if ft.Match(&lang.File{Path: "x.yaral", Data: []byte(src)}) {
			t.Errorf("%q matches", src)
		}
	}
	if ft.Match(&lang.File{Path: "x.txt", Data: []byte("rule x {\n events:\n $e.a = 1\n condition:\n $e\n}")}) {
		t.Error("a .txt file matches")
	}
	if l := lang.Get("yara-l"); l == nil || l.RawFormat != FormatName || l.Platform != Platform {
		t.Errorf("language by alias: %+v", l)
	}
}

// TestMetaAttack: every shape of ATT&CK the meta section takes.
func TestMetaAttack(t *testing.T) {
	cases := []struct {
		meta        string
		techniques  []string
		tactics     []string
		description string
	}{
		{`technique = "T1027"` + "\n" + `tactic = "TA0005"`, []string{"T1027"}, []string{"defense-evasion"}, "Sigma-style ids"},
		{`technique = "T1003.001, T1003.002"`, []string{"T1003.001", "T1003.002"}, nil, "a list of ids"},
		{`mitre_attack_url = "https://attack.mitre.org/versions/v14/techniques/T1562/001/"`, []string{"T1562.001"}, nil, "an address"},
		{`mitre_attack_technique = "Valid Accounts: Cloud Accounts"` + "\n" + `mitre_attack_tactic = "Defense Evasion, Persistence"`,
			[]string{"T1078.004"}, []string{"defense-evasion", "persistence"}, "a sub-technique's full name and tactic names"},
		{`mitre_attack_technique = "Unused/Unsupported Cloud Regions"`, []string{"T1535"}, nil, "a name with a slash"},
		{`mitre = "execution, t1059"`, []string{"T1059"}, []string{"execution"}, "a mixed list"},
		{`mitre_attack_technique = "Not A Technique"`, nil, nil, "an unknown name is left out"},
		{`mitre_attack_version = "v14.1"`, nil, nil, "a version names nothing"},
	}
	for _, c := range cases {
		src := "rule r {\n meta:\n" + c.meta + "\n events:\n $e.metadata.event_type = \"X\"\n condition:\n $e\n}\n"
		rules := readRules(t, "m.yaral", []byte(src))
		if len(rules) != 1 {
			t.Fatalf("%s: %d rules", c.description, len(rules))
		}
		var ids []string
		for _, te := range rules[0].Techniques {
			ids = append(ids, te.ID)
			if te.Unknown || te.Name == "" {
				t.Errorf("%s: %s not resolved", c.description, te.ID)
			}
		}
		if strings.Join(ids, ",") != strings.Join(c.techniques, ",") || strings.Join(rules[0].Tactics, ",") != strings.Join(c.tactics, ",") {
			t.Errorf("%s: techniques %v tactics %v, want %v %v", c.description, ids, rules[0].Tactics, c.techniques, c.tactics)
		}
	}
}

// TestHighlight: the classes of a rule's tokens, in order, not
// overlapping, inside the text.
func TestHighlight(t *testing.T) {
	src := "rule r {\n  meta:\n    author = \"me\" // who\n  events:\n    re.regex($e.principal.hostname, `x`) nocase and not $e.ip in cidr %nets\n  condition:\n    #e > 5\n}"
	toks := Highlight(src)
	got := map[string]lang.TokenClass{}
	last := 0
	for _, tk := range toks {
		if tk.Start < last || tk.End > len(src) || tk.Start >= tk.End {
			t.Fatalf("token %+v out of order or outside the text", tk)
		}
		last = tk.End
		got[src[tk.Start:tk.End]] = tk.Class
	}
	want := map[string]lang.TokenClass{
		"rule": lang.Keyword, "meta": lang.Keyword, "author": lang.Keyword, `"me"`: lang.String, "// who": lang.Comment,
		"events": lang.Keyword, "nocase": lang.Operator, "and": lang.Operator, "not": lang.Operator, "in": lang.Operator,
		"cidr": lang.Operator, "%nets": lang.Modifier, "$e": lang.Modifier, "#e": lang.Modifier, ">": lang.Operator,
		"5": lang.Number, "`x`": lang.String, "{": lang.Punct, "}": lang.Punct,
	}
	for text, class := range want {
		if got[text] != class {
			t.Errorf("%q: class %d, want %d", text, got[text], class)
		}
	}
}

// FuzzLower: reading and lowering any text as a .yaral file never panics,
// and every stage of every rule is numbered.
//
//	go test -run - -fuzz FuzzLower -fuzztime 60s -parallel 1 ./internal/lower/yaral
func FuzzLower(f *testing.F) {
	ins, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.yaral"))
	for _, p := range ins {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("rule x { events: not (not ($e.a = 1 or $e.b != \"\") and all $e.c != \"d\") condition: $e }"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ft := lang.FormatByName(FormatName)
		items, _ := lang.ReadAs(ft, &lang.File{Path: "f.yaral", Data: data})
		for _, it := range items {
			lang.Lower(it)
			for i, st := range it.Rule.Stages {
				if st.N != i+1 {
					t.Fatalf("stage %d numbered %d", i+1, st.N)
				}
			}
		}
	})
}
