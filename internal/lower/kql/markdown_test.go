package lowerkql

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

const mdBertJan = "# *Suspicious Run Command*\n" + // 1
	"\n" +
	"## Query Information\n" +
	"\n" +
	"#### MITRE ATT&CK Technique(s)\n" + // 5
	"\n" +
	"| Technique ID | Title    | Link    |\n" +
	"| ---  | --- | --- |\n" +
	"| T1651 | Cloud Administration Command | https://attack.mitre.org/techniques/T1651/ |\n" +
	"| T1021.008 | Remote Services: Direct Cloud VM Connections | https://attack.mitre.org/techniques/T1021/008/ |\n" + // 10
	"\n" +
	"#### Description\n" +
	"This detection rule flags a Run Command.\n" +
	"```\n" +
	"az vm run-command invoke --command-id RunPowerShellScript\n" + // 15
	"```\n" +
	"\n" +
	"#### Risk\n" +
	"Lateral movement from the control plane.\n" +
	"\n" + // 20
	"#### Author <Optional>\n" +
	"- **Name:** Ada Lovelace\n" +
	"- **Github:** https://github.com/example\n" +
	"\n" +
	"#### References\n" + // 25
	"- https://learn.microsoft.com/azure/virtual-machines/run-command-overview\n" +
	"- [Blog](https://example.org/blog)\n" +
	"\n" +
	"## Defender XDR\n" +
	"```KQL\n" + // 30
	"CloudAuditEvents\n" +
	"| where OperationName == \"Microsoft.Compute/virtualMachines/runCommand/action\"\n" +
	"```\n" +
	"## Sentinel\n" +
	"```KQL\n" + // 35
	"\n" +
	"AzureActivity\n" +
	"| where OperationNameValue =~ \"Microsoft.Compute/virtualMachines/runCommand/action\"\n" +
	"```\n"

func readAll(t *testing.T, path, src string) []*rule.Rule {
	t.Helper()
	f := &lang.File{Repo: "r", Path: path, Data: []byte(src)}
	ft := lang.Detect(f)
	if ft == nil {
		t.Fatalf("%s: no format detected", path)
	}
	items, _ := lang.ReadAs(ft, f)
	var rs []*rule.Rule
	for _, it := range items {
		rs = append(rs, it.Rule)
	}
	return rs
}

func TestMarkdownBertJan(t *testing.T) {
	rs := readAll(t, "Azure/SuspiciousRunCommand.md", mdBertJan)
	if len(rs) != 2 {
		t.Fatalf("%d rules, want 2", len(rs))
	}
	x, s := rs[0], rs[1]
	if x.Format != "kql_markdown" || x.Variant != "defender-xdr" || x.Product != "defender_xdr" || s.Variant != "sentinel" || s.Product != "sentinel" {
		t.Errorf("variants %q/%q products %q/%q", x.Variant, s.Variant, x.Product, s.Product)
	}
	if x.QueryLine != 31 || s.QueryLine != 37 || x.Source.Line != 31 {
		t.Errorf("query lines %d, %d", x.QueryLine, s.QueryLine)
	}
	if x.Query != "CloudAuditEvents\n| where OperationName == \"Microsoft.Compute/virtualMachines/runCommand/action\"" {
		t.Errorf("query = %q", x.Query)
	}
	if x.Title != "Suspicious Run Command" || x.Description != "This detection rule flags a Run Command." || x.Kind != rule.KindDetection {
		t.Errorf("title %q description %q kind %q", x.Title, x.Description, x.Kind)
	}
	if len(x.Sections) != 1 || x.Sections[0] != (rule.Section{Title: "Risk", Text: "Lateral movement from the control plane."}) || x.Settings["author.github"] != "https://github.com/example" {
		t.Errorf("settings %v", x.Settings)
	}
	if want := []string{"Ada Lovelace"}; !reflect.DeepEqual(x.Authors, want) {
		t.Errorf("authors %v", x.Authors)
	}
	if want := []string{"https://learn.microsoft.com/azure/virtual-machines/run-command-overview", "https://example.org/blog"}; !reflect.DeepEqual(x.References, want) {
		t.Errorf("references %v", x.References)
	}
	if want := []rule.Technique{{ID: "T1651", StatedAs: "T1651"}, {ID: "T1021.008", StatedAs: "T1021.008"}}; !reflect.DeepEqual(s.Techniques, want) {
		t.Errorf("techniques %v", s.Techniques)
	}
	// The variants do not share their lists.
	x.Authors[0] = "changed"
	if s.Authors[0] != "Ada Lovelace" {
		t.Errorf("variants share their authors")
	}
}

const mdM365 = `# Encoded PowerShell launched by Office

This query looks for Office applications that start PowerShell with an encoded command.

## Query

` + "```Kusto" + `
DeviceProcessEvents
| where InitiatingProcessFileName in~ ("winword.exe", "excel.exe")
` + "```" + `

## Category

| Technique, tactic, or state | Covered? (v=yes) | Notes |
|------------------------|----------|-------|
| Initial access | v |  |
| Execution | v |  |
| Persistence |  |  |
| Malware, component | v |  |

## Contributor info

**Contributor:** Grace Hopper
`

func TestMarkdownM365(t *testing.T) {
	rs := readAll(t, "Execution/encoded.md", mdM365)
	if len(rs) != 1 {
		t.Fatalf("%d rules", len(rs))
	}
	r := rs[0]
	if r.Kind != rule.KindHunting || r.Variant != "" || r.QueryLine != 8 {
		t.Errorf("kind %q variant %q line %d", r.Kind, r.Variant, r.QueryLine)
	}
	if r.Description != "This query looks for Office applications that start PowerShell with an encoded command." {
		t.Errorf("description %q", r.Description)
	}
	if want := []string{"Initial access", "Execution"}; !reflect.DeepEqual(r.Tactics, want) {
		t.Errorf("tactics %v", r.Tactics)
	}
	if want := []string{"malware, component"}; !reflect.DeepEqual(r.Tags, want) {
		t.Errorf("tags %v", r.Tags)
	}
	if want := []string{"Grace Hopper"}; !reflect.DeepEqual(r.Authors, want) {
		t.Errorf("authors %v", r.Authors)
	}
}

func TestMarkdownLayouts(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		queries   []string
		lines     []int
		variants  []string
		diag      string
	}{
		{"falconfriday", "# Rundll32 without arguments\n## ATT&CK Tags\n**Tactic:** Defense Evasion\n**Technique:** Signed Binary Proxy Execution (T1218.011)\n## Detection\n**Language:** Kusto\n**Platform:** M365 Security\n**Query:**\n```C#\nDeviceProcessEvents | where FileName =~ \"rundll32.exe\"\n```\n**Language:** Splunk\n```\nindex=x\n```\n",
			[]string{"DeviceProcessEvents | where FileName =~ \"rundll32.exe\""}, []int{10}, []string{"defender-xdr"}, ""},
		{"kql on the fence line", "# t\n## Defender XDR\n```KQLDeviceEvents\n| where ActionType == \"x\"\n```\n",
			[]string{"DeviceEvents\n| where ActionType == \"x\""}, []int{3}, []string{"defender-xdr"}, "runs into the query"},
		{"unclosed fence", "# t\n## Sentinel\n```kql\nSigninLogs\n| take 1\n",
			[]string{"SigninLogs\n| take 1"}, []int{4}, []string{"sentinel"}, "not closed"},
		{"unfenced query section", "# t\n\n## Query\n\nEmailEvents\n| where x > 1\n\n## Category\n",
			[]string{"EmailEvents\n| where x > 1"}, []int{5}, []string{""}, "not in a code block"},
		{"plain blocks by their headings", "# t\n## First\n```\nT1 | take 1\n```\n## Second\n```\nT2\n| take 2\n```\n## Output\n```\nC:\\Windows\\x.exe\n```\n",
			[]string{"T1 | take 1", "T2\n| take 2"}, []int{4, 8}, []string{"first", "second"}, ""},
		{"tilde fence, indented", "# t\n## Sentinel\n  ~~~~kusto\n  SecurityEvent\n  | where EventID == 4624\n  ~~~~\n",
			[]string{"SecurityEvent\n| where EventID == 4624"}, []int{4}, []string{"sentinel"}, ""},
	} {
		rs := readAll(t, "x.md", tt.src)
		var qs, vs []string
		var ls []int
		var diags string
		for _, r := range rs {
			qs, vs, ls = append(qs, r.Query), append(vs, r.Variant), append(ls, r.QueryLine)
			for _, d := range r.Diagnostics {
				diags += d.Message + "\n"
			}
		}
		if !reflect.DeepEqual(qs, tt.queries) || !reflect.DeepEqual(ls, tt.lines) || !reflect.DeepEqual(vs, tt.variants) {
			t.Errorf("%s: queries %q lines %v variants %q", tt.name, qs, ls, vs)
		}
		if tt.diag != "" && !strings.Contains(diags, tt.diag) || tt.diag == "" && diags != "" {
			t.Errorf("%s: diagnostics %q, want %q", tt.name, diags, tt.diag)
		}
	}
	// FalconFriday ATT&CK tags.
	rs := readAll(t, "x.md", "# t\n## ATT&CK Tags\n**Tactic:** Defense Evasion\n**Technique:** Signed Binary Proxy Execution (T1218.011)\n## Detection\n```kql\nT\n```\n")
	if len(rs) != 1 || !reflect.DeepEqual(rs[0].Tactics, []string{"Defense Evasion"}) || len(rs[0].Techniques) != 1 || rs[0].Techniques[0].ID != "T1218.011" {
		t.Errorf("falconfriday attack: %+v", rs)
	}
}

func TestMarkdownNotRules(t *testing.T) {
	for _, src := range []string{
		"# README\n\nSome text.\n",
		"# Tools\n```powershell\nGet-Process | Select Name\n```\n",
		"# Install\n```\ngo install example.org/x@latest\n```\n",
	} {
		if matchMarkdown(&lang.File{Path: "README.md", Data: []byte(src)}) {
			t.Errorf("matched as KQL markdown: %q", src)
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	f.Add([]byte(mdBertJan))
	f.Add([]byte(mdM365))
	f.Add([]byte("# t\n## Query\n```KQLx\n|\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file := &lang.File{Path: "f.md", Data: data}
		items, _ := readMarkdown(file)
		for _, it := range items {
			r := it.Rule
			if r.QueryLine < 1 || r.Title == "" {
				t.Fatalf("rule with line %d title %q", r.QueryLine, r.Title)
			}
		}
	})
}

func BenchmarkMarkdown(b *testing.B) {
	data := []byte(mdBertJan)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		readMarkdown(&lang.File{Path: "x.md", Data: data})
	}
}
