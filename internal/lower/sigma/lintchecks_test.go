package lowersigma_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lint"
)

const lintHead = "title: T\nid: 11111111-2222-3333-4444-555555555555\ndescription: d\ntags:\n  - attack.t1059\n"

func lintSigma(t *testing.T, check, src string) []lint.Finding {
	t.Helper()
	res := ingest.ReadData("r", "s.yml", "s.yml", []byte(lintHead+src), "")
	if len(res.Rules) == 0 {
		t.Fatalf("no rule read from %q: %v", src, res.Diags)
	}
	return lint.Run(res.Rules, lint.Options{Enable: []string{check}})
}

const procCreation = "logsource:\n  product: windows\n  category: process_creation\n"

// The Sigma checks, each with a rule that has the fault and one that does not.
var sigmaLintCases = []struct{ check, bad, good, where string }{
	{"sigma-all-single-value",
		procCreation + "detection:\n  sel:\n    CommandLine|contains|all: 'a'\n  condition: sel\n",
		procCreation + "detection:\n  sel:\n    CommandLine|contains|all: ['a', 'b']\n  condition: sel\n", "11:"},
	{"sigma-unused-selection",
		procCreation + "detection:\n  sel:\n    Image: a\n  filter:\n    User: b\n  condition: sel\n",
		procCreation + "detection:\n  sel:\n    Image: a\n  filter:\n    User: b\n  condition: sel and not filter\n", "12:3"},
	{"sigma-contains-wildcard",
		procCreation + "detection:\n  sel:\n    CommandLine|contains: '*whoami'\n  condition: sel\n",
		procCreation + "detection:\n  sel:\n    CommandLine|contains: 'whoami'\n    Image|endswith: 'a\\*'\n  condition: sel\n", "11:"},
	{"sigma-unknown-logsource",
		"logsource:\n  product: windows\n  category: process_creations\ndetection:\n  sel:\n    Image: a\n  condition: sel\n",
		procCreation + "detection:\n  sel:\n    Image: a\n  condition: sel\n", "8:"},
	{"sigma-re-unescaped-dot",
		procCreation + "detection:\n  sel:\n    Image|re: '\\\\cmd.exe$'\n  condition: sel\n",
		procCreation + "detection:\n  sel:\n    Image|re: '\\\\cmd\\.exe$'\n    CommandLine|re: '[.]exe'\n  condition: sel\n", "11:"},
}

func TestLintChecks(t *testing.T) {
	tested := map[string]bool{}
	for _, c := range sigmaLintCases {
		tested[c.check] = true
		t.Run(c.check, func(t *testing.T) {
			bad := lintSigma(t, c.check, c.bad)
			if len(bad) == 0 {
				t.Fatalf("no finding")
			}
			if at := itoa(bad[0].Line) + ":" + itoa(bad[0].Col); !strings.HasPrefix(at, c.where) {
				t.Errorf("finding at %s, want %s: %+v", at, c.where, bad[0])
			}
			if good := lintSigma(t, c.check, c.good); len(good) > 0 {
				t.Errorf("findings on the good rule: %+v", good)
			}
		})
	}
	for _, ch := range lint.Checks() {
		if ch.AppliesTo("sigma") && len(ch.Languages) > 0 && !tested[ch.ID] {
			t.Errorf("Sigma check %s has no test case", ch.ID)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestLintDisableField: the custom field ruledex_disable turns checks off,
// and the front end's warning is not reported twice (as syntax-warning).
func TestLintDisableField(t *testing.T) {
	src := procCreation + "detection:\n  sel:\n    Image: a\n  filter:\n    User: b\n  condition: sel\n"
	if n := len(lintSigma(t, "sigma-unused-selection", src)); n != 1 {
		t.Fatalf("%d findings", n)
	}
	if fs := lintSigma(t, "syntax-warning", src); len(fs) != 0 {
		t.Errorf("the claimed warning is reported as syntax-warning too: %+v", fs)
	}
	if fs := lintSigma(t, "sigma-unused-selection", "ruledex_disable: [sigma-unused-selection]\n"+src); len(fs) != 0 {
		t.Errorf("not disabled by the field: %+v", fs)
	}
	if fs := lintSigma(t, "sigma-unused-selection", "ruledex_disable: other-check\n"+src); len(fs) != 1 {
		t.Errorf("disabled by a field naming another check: %+v", fs)
	}
}
