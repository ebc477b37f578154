package lowerkql_test

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/ingest"
	"github.com/ruledex/ruledex/internal/lint"
)

// lintKQL lints one raw KQL query (with a title, a description) with one check.
func lintKQL(t *testing.T, check, query string) []lint.Finding {
	t.Helper()
	res := ingest.ReadData("r", "q.kql", "q.kql", []byte("// T\n// D\n"+query+"\n"), "")
	if len(res.Rules) == 0 {
		t.Fatalf("no rule read from %q", query)
	}
	return lint.Run(res.Rules, lint.Options{Enable: []string{check}})
}

// The KQL checks, each with a query that has the fault and one that does not.
var kqlLintCases = []struct{ check, bad, good, msg string }{
	{"kql-unknown-escape", `DeviceProcessEvents | where ProcessCommandLine matches regex "\d+\.exe"`,
		`DeviceProcessEvents | where ProcessCommandLine matches regex @"\d+\.exe" and FolderPath startswith "C:\\Windows\\" and X == 'it\'s'`, `\d`},
	{"kql-has-not-term", `DeviceProcessEvents | where ProcessCommandLine has " -enc"`,
		`DeviceProcessEvents | where ProcessCommandLine has "-enc"`, "white space"},
	{"kql-contains-could-be-has", `AzureActivity | where OperationNameValue contains "/runCommand/"`,
		`AzureActivity | where OperationNameValue contains "runCommand/"`, "has"},
	{"kql-join-without-kind", "SigninLogs\n| join (AADUserRiskEvents) on UserPrincipalName",
		"SigninLogs\n| join kind=inner (AADUserRiskEvents) on UserPrincipalName", "innerunique"},
	{"kql-eq-case-varying-field", `DeviceProcessEvents | where FileName == "powershell.exe"`,
		`DeviceProcessEvents | where FileName =~ "powershell.exe" and ActionType == "ProcessCreated" and FileName == InitiatingProcessFileName\n| where FileName !in (DeviceProcessEvents | where Timestamp > ago(1d) | distinct FileName)`, "=~"},
	{"kql-unused-let", "let a = 1;\nlet b = 2;\nSecurityEvent | where EventID == b",
		"let a = 1;\nlet b = a;\nSecurityEvent | where EventID == b", "let a"},
	{"kql-no-time-filter", "SecurityEvent | where EventID == 4688",
		"SecurityEvent | where TimeGenerated > ago(1d) | where EventID == 4688", "SecurityEvent"},
	{"kql-project-drops-used-column", "SecurityEvent\n| project Computer, ['Account Name'] = Account\n| where ['Account Name'] has \"x\" and EventID == 4688",
		"// Parameters: string action\nlet f = (action:string) {SecurityEvent\n| project Computer, Account, EventID\n| extend ['A B'] = 1\n| where EventID == 4688 and ['A B'] == 1 and (isempty(action) or Computer has action)};\nf(\"x\")", "EventID"},
}

func TestLintChecks(t *testing.T) {
	tested := map[string]bool{}
	for _, c := range kqlLintCases {
		tested[c.check] = true
		t.Run(c.check, func(t *testing.T) {
			bad := lintKQL(t, c.check, c.bad)
			if len(bad) == 0 {
				t.Fatalf("no finding in %q", c.bad)
			}
			if !strings.Contains(bad[0].Message, c.msg) || bad[0].Line < 3 {
				t.Errorf("finding %+v: want %q in its message, on the query's lines", bad[0], c.msg)
			}
			if good := lintKQL(t, c.check, c.good); len(good) > 0 {
				t.Errorf("findings in %q: %+v", c.good, good)
			}
		})
	}
	for _, ch := range lint.Checks() {
		if ch.AppliesTo("kql") && len(ch.Languages) > 0 && !tested[ch.ID] {
			t.Errorf("KQL check %s has no test case", ch.ID)
		}
	}
}

// TestLintDisableComment: // ruledex:disable= in the query turns a check off.
func TestLintDisableComment(t *testing.T) {
	q := "SigninLogs\n| join (AADUserRiskEvents) on UserPrincipalName"
	if len(lintKQL(t, "kql-join-without-kind", q)) != 1 {
		t.Fatal("no finding to disable")
	}
	if fs := lintKQL(t, "kql-join-without-kind", "// ruledex:disable=kql-join-without-kind\n"+q); len(fs) != 0 {
		t.Errorf("not disabled: %+v", fs)
	}
}
