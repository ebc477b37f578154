package lowersigma

import (
	"encoding/json"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestExplainConditionTree: a Sigma condition is explained as its and/or
// structure (all of, any of, none of, each selection a node named after
// it), not as a list of stages; compared as a tree.
func TestExplainConditionTree(t *testing.T) {
	src := `title: Certutil download
id: 19b08b1c-861d-4e75-a1ef-ea0c1baf202b
logsource:
  category: process_creation
  product: windows
detection:
  selection_img:
    - Image|endswith: '\certutil.exe'
    - OriginalFileName: 'CertUtil.exe'
  selection_cli:
    CommandLine|contains: 'urlcache '
    CommandLine|contains|all:
      - 'http'
      - '-f'
  filter_a:
    ParentImage|endswith: '\setup.exe'
  filter_b:
    User: SYSTEM
  condition: all of selection_* and not 1 of filter_*
`
	rs := readSigmaFile(t, "t", sigmaFile{Rel: "rules/certutil.yml", Data: []byte(src)})
	if len(rs) != 1 {
		t.Fatalf("%d rules", len(rs))
	}
	r := rs[0]
	leaf := func(s string) rule.ExplainPart { return rule.ExplainPart{Text: s} }
	want := []rule.ExplainPart{
		{Text: "Reads the log source product windows, category process_creation.", Stage: 1},
		{Text: "Matches events where", Op: rule.ExplainAll, Stage: len(r.Stages), Items: []rule.ExplainPart{
			{Label: "selection_img", Op: rule.ExplainAny, Items: []rule.ExplainPart{
				leaf(`Image ends with '\certutil.exe'`),
				leaf(`OriginalFileName is 'CertUtil.exe'`),
			}},
			{Label: "selection_cli", Op: rule.ExplainAll, Items: []rule.ExplainPart{
				leaf(`CommandLine contains 'urlcache '`),
				leaf(`CommandLine contains 'http' and '-f'`),
			}},
			{Op: rule.ExplainNone, Items: []rule.ExplainPart{
				{Label: "filter_a", Text: `ParentImage ends with '\setup.exe'`},
				{Label: "filter_b", Text: `User is 'SYSTEM'`},
			}},
		}},
	}
	if r.Stages[len(r.Stages)-1].Kind != "condition" {
		t.Fatalf("last stage %q, want the condition", r.Stages[len(r.Stages)-1].Kind)
	}
	a, _ := json.MarshalIndent(r.ExplanationParts, "", " ")
	b, _ := json.MarshalIndent(want, "", " ")
	if string(a) != string(b) {
		t.Errorf("explanation parts:\n%s\nwant\n%s", a, b)
	}
	const text = `Reads the log source product windows, category process_creation. Matches events where all of: ` +
		`selection_img (any of: Image ends with '\certutil.exe'; OriginalFileName is 'CertUtil.exe'); ` +
		`selection_cli (all of: CommandLine contains 'urlcache '; CommandLine contains 'http' and '-f'); ` +
		`(none of: filter_a (ParentImage ends with '\setup.exe'); filter_b (User is 'SYSTEM')).`
	if r.Explanation != text {
		t.Errorf("explanation\n%s\nwant\n%s", r.Explanation, text)
	}
}

// TestExplainConditionPrecedence: "and" binds tighter than "or", and a
// lone selection of one test is one sentence.
func TestExplainConditionPrecedence(t *testing.T) {
	src := `title: t
logsource:
  product: windows
detection:
  a:
    EventID: 1
  b:
    EventID: 2
  c:
    User: x
  condition: a or b and not c
`
	r := readSigmaFile(t, "t", sigmaFile{Rel: "r.yml", Data: []byte(src)})[0]
	cond := r.ExplanationParts[len(r.ExplanationParts)-1]
	want := rule.ExplainPart{Text: "Matches events where", Op: rule.ExplainAny, Stage: len(r.Stages), Items: []rule.ExplainPart{
		{Label: "a", Text: "EventID is 1"},
		{Op: rule.ExplainAll, Items: []rule.ExplainPart{
			{Label: "b", Text: "EventID is 2"},
			{Op: rule.ExplainNone, Items: []rule.ExplainPart{{Label: "c", Text: "User is 'x'"}}},
		}},
	}}
	a, _ := json.Marshal(cond)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Errorf("condition:\n%s\nwant\n%s", a, b)
	}
	src2 := "title: t\nlogsource:\n  product: windows\ndetection:\n  selection:\n    EventID: 4688\n  condition: selection\n"
	r2 := readSigmaFile(t, "t", sigmaFile{Rel: "r2.yml", Data: []byte(src2)})[0]
	if got := r2.ExplanationParts[len(r2.ExplanationParts)-1]; got.Text != "Matches events where selection (EventID is 4688)." || len(got.Items) != 0 {
		t.Errorf("lone selection: %+v", got)
	}
}
