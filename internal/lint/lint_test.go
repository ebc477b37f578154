package lint_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
)

// file is one rule file of a test case.
type file struct{ path, src string }

// read reads files as ruledex reads a repository's (repo "r").
func read(t *testing.T, fs ...file) []*rule.Rule {
	t.Helper()
	var results []ingest.FileResult
	for _, f := range fs {
		res := ingest.ReadData("r", f.path, f.path, []byte(f.src), "")
		if len(res.Rules) == 0 {
			t.Fatalf("%s: no rule read (%v %s)", f.path, res.Diags, res.Skipped)
		}
		results = append(results, res)
	}
	ingest.AssignIDs(results)
	var rules []*rule.Rule
	for _, res := range results {
		rules = append(rules, res.Rules...)
	}
	return rules
}

func run(t *testing.T, check string, fs ...file) []lint.Finding {
	t.Helper()
	return lint.Run(read(t, fs...), lint.Options{Enable: []string{check}})
}

// sentinel returns a Sentinel analytic rule with a query block (its first
// line at file line 7, indented by two spaces).
func sentinel(name, query string) string {
	s := "id: 0d9c1f2a-1111-4c2a-9c8e-123456789abc\n"
	if name != "" {
		s += "name: " + name + "\n"
	}
	return s + "description: d\nseverity: Medium\nrelevantTechniques:\n  - T1059\nquery: |\n  " + query + "\n"
}

const sigmaHead = "title: T\nid: 11111111-2222-3333-4444-555555555555\ndescription: d\ntags:\n  - attack.t1059\nlogsource:\n  product: windows\n  category: process_creation\n"

// kqlRule is a raw KQL file with a title, a description and a technique.
func kqlFile(name, query string) file {
	return file{name + ".kql", "// Title " + name + "\n// A description.\n" + query + "\n"}
}

// cases: for each check of this package, a rule that has the fault (bad)
// and one that does not (good).
var cases = []struct {
	check     string
	bad, good []file
	where     string // line:col the first finding is at ("" not checked)
}{
	{"syntax-error", []file{kqlFile("a", "SecurityEvent | where EventID == ")}, []file{kqlFile("a", "SecurityEvent | where EventID == 1")}, "3:33"},
	{"syntax-warning",
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    CommandLine|expand: x\n  condition: sel\n"}},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}}, ""},
	{"attack-missing",
		[]file{{"a.yml", "title: T\ndescription: d\nlogsource:\n  category: process_creation\ndetection:\n  sel:\n    Image: x\n  condition: sel\n"}},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}}, ""},
	{"attack-unknown",
		[]file{{"a.yml", strings.Replace(sigmaHead, "t1059", "t9999", 1) + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}}, "5:12"},
	{"attack-revoked",
		[]file{{"a.yml", strings.Replace(sigmaHead, "t1059", "t1086", 1) + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}}, "5:12"},
	{"attack-deprecated",
		[]file{{"a.yml", strings.Replace(sigmaHead, "t1059", "t1064", 1) + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}}, ""},
	{"title-missing",
		[]file{{"a.yaml", sentinel("", "SecurityEvent\n  | where EventID == 4688")}},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}}, ""},
	{"description-missing",
		[]file{{"a.yml", "title: T\nlogsource:\n  category: process_creation\ndetection:\n  sel:\n    Image: x\n  condition: sel\n"}},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}}, ""},
	{"value-whitespace", []file{kqlFile("a", `DeviceProcessEvents | where ActionType == "ProcessCreated "`)},
		[]file{kqlFile("a", `DeviceProcessEvents | where ProcessCommandLine contains " -enc "`)}, "3:44"},
	{"wildcard-literal", []file{kqlFile("a", `DeviceProcessEvents | where ProcessCommandLine contains "*.exe"`)},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: '*\\cmd.exe'\n  condition: sel\n"}, kqlFile("b", `IdentityQueryEvents | where SearchFilter contains "serviceprincipalname=*"`)}, "3:58"},
	{"value-duplicate", []file{kqlFile("a", `DeviceProcessEvents | where FileName in~ ("a.exe", "b.exe", "A.EXE")`)},
		[]file{kqlFile("a", `DeviceProcessEvents | where FileName in ("a.exe", "b.exe", "A.EXE")`)}, ""},
	{"filter-contradiction",
		[]file{kqlFile("a", "SecurityEvent\n| where EventID == 4688\n| where EventID == 4624")},
		[]file{kqlFile("a", "SecurityEvent\n| where EventID == 4688\n| extend EventID = 4624\n| where EventID == 4624")}, "5:9"},
	{"field-unknown",
		[]file{kqlFile("a", `DeviceProcessEvents | where ProcessComandLine has "-enc"`),
			{"b.yml", sigmaHead + "detection:\n  sel:\n    CommandLin|contains: x\n  condition: sel\n"}},
		[]file{kqlFile("a", "DeviceProcessEvents\n| where ProcessCommandLine has \"-enc\"\n| extend Len = strlen(ProcessCommandLine)\n| where Len > 100"),
			kqlFile("b", `SomeCustomTable_CL | where Anything == "x"`),
			{"c.yml", sigmaHead + "detection:\n  sel:\n    CommandLine|contains: x\n    ParentImage|endswith: y\n  condition: sel\n"}}, "3:29"},
	{"duplicate-id",
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}, {"b.yml", sigmaHead + "detection:\n  sel:\n    Image: y\n  condition: sel\n"}},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}, {"b.yml", strings.Replace(sigmaHead, "1111", "9999", 1) + "detection:\n  sel:\n    Image: y\n  condition: sel\n"}}, "2:5"},
	{"near-duplicate",
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}, {"b.yml", strings.Replace(sigmaHead, "1111", "9999", 1) + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}},
		[]file{{"a.yml", sigmaHead + "detection:\n  sel:\n    Image: x\n  condition: sel\n"}, {"b.yml", strings.Replace(sigmaHead, "1111", "9999", 1) + "detection:\n  sel:\n    Image: y\n  condition: sel\n"}}, ""},
}

func TestChecks(t *testing.T) {
	tested := map[string]bool{}
	for _, c := range cases {
		tested[c.check] = true
		t.Run(c.check, func(t *testing.T) {
			if lint.Get(c.check) == nil {
				t.Fatalf("no check %s", c.check)
			}
			bad := run(t, c.check, c.bad...)
			if len(bad) == 0 {
				t.Fatalf("no finding on the faulty rule")
			}
			for _, f := range bad {
				if f.Check != c.check || f.Line < 1 || f.Col < 1 || f.Fingerprint == "" || f.Message == "" || f.Path == "" {
					t.Errorf("finding not whole: %+v", f)
				}
			}
			if c.where != "" {
				if got := itoa(bad[0].Line) + ":" + itoa(bad[0].Col); got != c.where {
					t.Errorf("first finding at %s, want %s: %+v", got, c.where, bad[0])
				}
			}
			if good := run(t, c.check, c.good...); len(good) > 0 {
				t.Errorf("findings on the good rule: %+v", good)
			}
		})
	}
	for _, ch := range lint.Checks() {
		if len(ch.Languages) == 0 && ch.ID != "common-indicators" && !tested[ch.ID] {
			t.Errorf("check %s has no test case", ch.ID)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestDefinitionsNotLinted: a definition rules use (a Splunk macro) states
// no technique and needs no description: attack-missing and
// description-missing say nothing of it, and do of a detection.
func TestDefinitionsNotLinted(t *testing.T) {
	macro := file{"macros/process_certutil.yml", "name: process_certutil\ndefinition: (Processes.process_name=certutil.exe)\n"}
	for _, check := range []string{"attack-missing", "description-missing"} {
		if fs := run(t, check, macro); len(fs) != 0 {
			t.Errorf("%s on a macro: %v", check, fs)
		}
	}
	if fs := run(t, "attack-missing", file{"r.kql", "// title\nSecurityEvent | where EventID == 4688\n"}); len(fs) != 1 {
		t.Errorf("attack-missing on a rule without ATT&CK: %v", fs)
	}
}

// TestNearDuplicateOneFinding: a rule with near-duplicates has one finding
// of the check however many they are, naming the first three (by id) and
// counting the others; with one, it names it.
func TestNearDuplicateOneFinding(t *testing.T) {
	var fs []file
	for i := range 5 {
		id := strings.Replace(sigmaHead, "1111", strconv.Itoa(1000+i), 1)
		fs = append(fs, file{"d" + itoa(i) + ".yml", id + "detection:\n  sel:\n    Image: x\n  condition: sel\n"})
	}
	got := run(t, "near-duplicate", fs...)
	if len(got) != 5 {
		t.Fatalf("%d findings of 5 rules, each with 4 near-duplicates; want 5: %+v", len(got), got)
	}
	seen := map[string]bool{}
	for _, f := range got {
		if seen[f.Rule] {
			t.Errorf("two findings of %s", f.Rule)
		}
		seen[f.Rule] = true
		if !strings.HasPrefix(f.Message, "same logic as 4 rules in other files: ") || !strings.HasSuffix(f.Message, " and 1 more") ||
			strings.Count(f.Message, ".yml)") != 3 || strings.Contains(f.Message, "("+f.Path+")") {
			t.Errorf("%s: %q", f.Rule, f.Message)
		}
	}
	two := run(t, "near-duplicate", fs[:2]...)
	if len(two) != 2 || two[0].Message != "same logic as "+two[1].Rule+" (d1.yml)" {
		t.Errorf("two rules: %+v", two)
	}
}
