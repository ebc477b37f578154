package catalog

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// actionRule makes a rule of a language reading tables with the given
// predicates in one where stage.
func actionRule(id, lang string, tables []string, ps ...rule.Predicate) *rule.Rule {
	platform := "kusto"
	if lang == "sigma" {
		platform = "sigma"
		for i := range ps {
			ps[i].Wildcards = true // as the Sigma lowering says of its values
		}
	}
	return &rule.Rule{ID: id, Platform: platform, Language: lang, Title: id, Kind: rule.KindDetection,
		Source: rule.Source{Repo: "r", Path: id}, Tables: tables, Stages: []rule.Stage{{Kind: "where", Predicates: ps}}}
}

func keyStrings(ks []ActionKey) []string {
	out := make([]string, 0, len(ks))
	for _, k := range ks {
		out = append(out, k.String())
	}
	return out
}

func TestActionKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *rule.Rule
		want []string
	}{
		{"azure activity eq and in",
			actionRule("a", "kql", []string{"AzureActivity"},
				pred("CategoryValue", rule.OpEq, false, false, "Administrative"),
				pred("OperationNameValue", rule.OpEq, false, false, "Microsoft.Compute/virtualMachines/runCommand/action", "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE")),
			[]string{"azure:microsoft.compute/virtualmachines/runcommand/action", "azure:microsoft.compute/virtualmachines/extensions/write"}},
		{"negated and regex give none",
			actionRule("a", "kql", []string{"AzureActivity"},
				pred("OperationNameValue", rule.OpEq, false, true, "Microsoft.Compute/virtualMachines/write"),
				pred("OperationNameValue", rule.OpRegex, false, false, "Microsoft.*"),
				pred("OperationNameValue", rule.OpNe, false, false, "x")),
			[]string{}},
		{"UEBA EventMessage has_any: partial azure keys",
			actionRule("b", "kql", []string{"BehaviorAnalytics"},
				pred("ActivityInsights.EventMessage", rule.OpHasAny, false, false, "runCommand/action", "extensions/write"),
				pred("ActivityInsights.FirstTimeUserPerformedAction", rule.OpEq, false, false, "True")),
			[]string{"azure:*runcommand/action*", "azure:*extensions/write*"}},
		{"bracketed field spelling",
			actionRule("b", "kql", []string{"BehaviorAnalytics"},
				pred("ActivityInsights['EventMessage']", rule.OpHas, false, false, "runCommand/action")),
			[]string{"azure:*runcommand/action*"}},
		{"conversion around the field",
			actionRule("b", "kql", []string{"BehaviorAnalytics"},
				pred("tostring(ActivityInsights.EventMessage)", rule.OpHas, false, false, "runCommand/action")),
			[]string{"azure:*runcommand/action*"}},
		{"UEBA EventMessage free text is no action",
			actionRule("b", "kql", []string{"BehaviorAnalytics"},
				pred("ActivityInsights.EventMessage", rule.OpHas, false, false, "first time")),
			[]string{}},
		{"whole azure operation in any field",
			actionRule("c", "kql", []string{"CloudAppEvents"},
				pred("RawEventData", rule.OpHas, false, false, "Microsoft.Authorization/roleAssignments/write")),
			[]string{"azure:microsoft.authorization/roleassignments/write"}},
		{"sigma activitylogs with wildcards",
			actionRule("s", "sigma", []string{"azure/activitylogs/"},
				pred("operationName", rule.OpEq, false, false, "MICROSOFT.NETWORK/FIREWALLPOLICIES/WRITE", "*/RULECOLLECTIONGROUPS/DELETE", "MICROSOFT.KEYVAULT/*", "A*B")),
			[]string{"azure:microsoft.network/firewallpolicies/write", "azure:*/rulecollectiongroups/delete", "azure:microsoft.keyvault/*"}},
		{"cloudtrail both platforms",
			actionRule("s", "sigma", []string{"aws/cloudtrail/"},
				pred("eventSource", rule.OpEq, false, false, "iam.amazonaws.com"),
				pred("eventName", rule.OpEq, false, false, "CreateAccessKey")),
			[]string{"aws:createaccesskey"}},
		{"cloudtrail kusto",
			actionRule("k", "kql", []string{"AWSCloudTrail"}, pred("EventName", rule.OpIn, false, false, "CreateAccessKey", "DeleteTrail")),
			[]string{"aws:createaccesskey", "aws:deletetrail"}},
		{"windows security",
			actionRule("w", "kql", []string{"SecurityEvent"}, pred("EventID", rule.OpIn, false, false, "4720", "04732", "x")),
			[]string{"windows:microsoft-windows-security-auditing:4720", "windows:microsoft-windows-security-auditing:4732"}},
		{"security log event of another provider",
			actionRule("w", "kql", []string{"SecurityEvent"}, pred("EventID", rule.OpEq, false, false, "1102")),
			[]string{"windows:microsoft-windows-eventlog:1102"}},
		{"sigma security log clearing naming the provider",
			actionRule("w", "sigma", []string{"windows/security/"}, pred("Provider_Name", rule.OpEq, false, false, "Microsoft-Windows-Eventlog"), pred("EventID", rule.OpEq, false, false, "1102")),
			[]string{"windows:microsoft-windows-eventlog:1102"}},
		{"windows Event table with Source",
			actionRule("w", "kql", []string{"Event"}, pred("Source", rule.OpEq, false, false, "Microsoft-Windows-Sysmon"), pred("EventID", rule.OpEq, false, false, "1")),
			[]string{"windows:microsoft-windows-sysmon:1"}},
		{"sigma system event by channel's one provider",
			actionRule("w", "sigma", []string{"windows/system/"}, pred("EventID", rule.OpEq, false, false, "7045")),
			[]string{"windows:service control manager:7045"}},
		{"sigma system event with provider alias",
			actionRule("w", "sigma", []string{"windows/system/"}, pred("Provider_Name", rule.OpEq, false, false, "Service Control Manager Eventlog Provider"), pred("EventID", rule.OpEq, false, false, "7036")),
			[]string{"windows:service control manager:7036"}},
		{"sigma windows by category with unknown provider",
			actionRule("w", "sigma", []string{"windows//process_creation"}, pred("EventID", rule.OpEq, false, false, "99")),
			[]string{"windows::99"}},
		{"m365 both sides", actionRule("m", "kql", []string{"OfficeActivity"}, pred("Operation", rule.OpEq, false, false, "New-InboxRule")),
			[]string{"m365:new-inboxrule"}},
		{"defender action type", actionRule("d", "kql", []string{"DeviceEvents"}, pred("ActionType", rule.OpStartsWith, false, false, "Asr")),
			[]string{"defender:asr*"}},
		{"okta", actionRule("o", "sigma", []string{"okta/okta/"}, pred("eventType", rule.OpEq, false, false, "user.mfa.factor.deactivate")),
			[]string{"okta:user.mfa.factor.deactivate"}},
		{"gcp", actionRule("g", "sigma", []string{"gcp/gcp.audit/"}, pred("gcp.audit.method_name", rule.OpEq, false, false, "v1.compute.firewalls.delete")),
			[]string{"gcp:v1.compute.firewalls.delete"}},
		{"entra audit", actionRule("e", "kql", []string{"AuditLogs"}, pred("OperationName", rule.OpHas, false, false, "Add member to role")),
			[]string{"entra:*add member to role*"}},
		{"elastic data set selects the source",
			actionRule("el", "kuery", []string{"filebeat-*", "logs-*"},
				pred("event.dataset", rule.OpEq, false, false, "aws.cloudtrail"),
				pred("event.action", rule.OpEq, false, false, "CreateAccessKey")),
			[]string{"aws:createaccesskey"}},
		{"elastic index pattern selects the source",
			actionRule("el", "kuery", []string{"logs-okta.system-*"}, pred("event.action", rule.OpEq, false, false, "user.mfa.factor.deactivate")),
			[]string{"okta:user.mfa.factor.deactivate"}},
		{"event.action of no known data set is no action",
			actionRule("el", "kuery", []string{"logs-endpoint.events.*"}, pred("event.action", rule.OpEq, false, false, "exec")),
			[]string{}},
		{"elastic windows security event code",
			actionRule("el", "eql", []string{"logs-system.security*"}, pred("event.code", rule.OpEq, false, false, "4769")),
			[]string{"windows:microsoft-windows-security-auditing:4769"}},
		{"chronicle product selects the source",
			actionRule("ch", "yaral", []string{},
				pred("$e.metadata.product_name", rule.OpEq, false, false, "AWS CloudTrail"),
				pred("$e.metadata.product_event_type", rule.OpEq, false, false, "ConsoleLogin")),
			[]string{"aws:consolelogin"}},
		{"chronicle windows event with its provider",
			actionRule("ch", "yaral", []string{},
				pred("$e.metadata.log_type", rule.OpEq, false, false, "WINEVTLOG"),
				pred("$e.metadata.product_name", rule.OpEq, false, false, "Microsoft-Windows-Security-Auditing"),
				pred("$e.metadata.product_event_type", rule.OpEq, false, false, "4624")),
			[]string{"windows:microsoft-windows-security-auditing:4624"}},
		{"entra activity with a final period",
			actionRule("ch", "yaral", []string{}, pred("$e.metadata.product_name", rule.OpEq, false, false, "Azure AD Directory Audit"),
				pred("$e.metadata.product_event_type", rule.OpEq, false, false, "Update application.")),
			[]string{"entra:update application"}},
		{"splunk macro",
			actionRule("sp", "spl", []string{"wineventlog_system"}, pred("EventCode", rule.OpEq, false, false, "7045")),
			[]string{"windows:service control manager:7045"}},
		{"fields of other tables are no actions",
			actionRule("x", "kql", []string{"SigninLogs"}, pred("OperationName", rule.OpEq, false, false, "Sign-in activity")),
			[]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := keyStrings(ActionKeys(tc.r))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ActionKeys = %q\nwant %q", got, tc.want)
			}
		})
	}
	if ActionKeys(nil) != nil {
		t.Errorf("ActionKeys(nil) is not nil")
	}
}

func TestIsAzureOperation(t *testing.T) {
	for v, want := range map[string]bool{
		"Microsoft.Compute/virtualMachines/runCommand/action": true,
		"MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE":       true,
		"Microsoft.Insights/diagnosticSettings/delete":        true,
		"Microsoft.Compute/virtualMachines":                   false,
		"runCommand/action":                                   false,
		"microsoft.com/write":                                 false,
		"C:\\Windows\\Microsoft.NET/x/write":                  false,
	} {
		if got := IsAzureOperation(v); got != want {
			t.Errorf("IsAzureOperation(%q) = %v", v, got)
		}
	}
}

func TestSameActionSeed(t *testing.T) {
	kusto := actionRule("kusto/DetectAzureScriptOrRunCommandByRiskyUser", "kql", []string{"AzureActivity", "AADUserRiskEvents"},
		pred("CategoryValue", rule.OpEq, false, false, "Administrative"),
		pred("OperationNameValue", rule.OpEq, false, false, "Microsoft.Compute/virtualMachines/runCommand/action", "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE"))
	defender := actionRule("kusto/DetectFirstTimeAzureCustomScriptOrRunCommand", "kql", []string{"BehaviorAnalytics"},
		pred("ActivityInsights.EventMessage", rule.OpHasAny, false, false, "runCommand/action", "extensions/write"),
		pred("ActivityInsights.FirstTimeUserPerformedAction", rule.OpEq, false, false, "True"))
	adfs := actionRule("sigma/azure_aadhybridhealth_adfs_new_server", "sigma", []string{"azure/activitylogs/"},
		pred("CategoryValue", rule.OpEq, false, false, "Administrative"),
		pred("ResourceProviderValue", rule.OpEq, false, false, "Microsoft.ADHybridHealthService"),
		pred("OperationNameValue", rule.OpEq, false, false, "Microsoft.ADHybridHealthService/services/servicemembers/action"))
	elevate := actionRule("sigma/azure_subscription_permissions_elevation_via_auditlogs", "sigma", []string{"azure/auditlogs/"},
		pred("Category", rule.OpEq, false, false, "Administrative"),
		pred("OperationName", rule.OpEq, false, false, "Assigns the caller to user access admin"))
	sigmaRun := actionRule("sigma/azure_vm_runcommand", "sigma", []string{"azure/activitylogs/"},
		pred("operationName", rule.OpEq, false, false, "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION"))
	rules := []*rule.Rule{kusto, defender, adfs, elevate, sigmaRun}
	SameAction(rules)
	ids := func(r *rule.Rule) []string {
		var out []string
		for _, s := range r.SameAction {
			out = append(out, s.ID+" "+strings.Join(s.Actions, " | "))
		}
		return out
	}
	want := []string{
		"kusto/DetectFirstTimeAzureCustomScriptOrRunCommand Azure Activity: Microsoft.Compute/virtualMachines/runCommand/action | Azure Activity: MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE",
		"sigma/azure_vm_runcommand Azure Activity: Microsoft.Compute/virtualMachines/runCommand/action",
	}
	if got := ids(kusto); !reflect.DeepEqual(got, want) {
		t.Errorf("kusto rule's same action:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	want = []string{
		"kusto/DetectAzureScriptOrRunCommandByRiskyUser Azure Activity: Microsoft.Compute/virtualMachines/runCommand/action | Azure Activity: MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE",
		"sigma/azure_vm_runcommand Azure Activity: MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION",
	}
	if got := ids(defender); !reflect.DeepEqual(got, want) {
		t.Errorf("defender query's same action:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(adfs.SameAction) != 0 || len(elevate.SameAction) != 0 {
		t.Errorf("rules that share no action are linked: %v %v", ids(adfs), ids(elevate))
	}
	// A part matched looks at the actions it completes to: they are the
	// rule's actions and events too.
	if want := []string{"Azure Activity: *runCommand/action*", "Azure Activity: *extensions/write*",
		"Azure Activity: Microsoft.Compute/virtualMachines/runCommand/action", "Azure Activity: MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE"}; !reflect.DeepEqual(defender.Actions, want) {
		t.Errorf("defender actions = %q", defender.Actions)
	}
	assertSymmetric(t, rules)
	// A second run replaces, not appends.
	SameAction(rules)
	if len(kusto.SameAction) != 2 || len(kusto.Actions) != 2 {
		t.Errorf("second run: %d links, %d actions", len(kusto.SameAction), len(kusto.Actions))
	}
}

func TestSameActionWindowsAndBroad(t *testing.T) {
	a := actionRule("kusto/a", "kql", []string{"SecurityEvent"}, pred("EventID", rule.OpEq, false, false, "4720"))
	b := actionRule("sigma/b", "sigma", []string{"windows/security/"}, pred("EventID", rule.OpIn, false, false, "4720", "4688"))
	c := actionRule("kusto/c", "kql", []string{"SecurityEvent"}, pred("EventID", rule.OpEq, false, false, "4688"))
	d := actionRule("kusto/d", "kql", []string{"Event"}, pred("EventID", rule.OpEq, false, false, "4720")) // no provider: no link
	e := actionRule("sigma/e", "sigma", []string{"windows//process_creation"}, pred("EventID", rule.OpEq, false, false, "4720"))
	SameAction([]*rule.Rule{a, b, c, d, e})
	if len(a.SameAction) != 1 || a.SameAction[0].ID != "sigma/b" || a.SameAction[0].Actions[0] != "Microsoft-Windows-Security-Auditing: 4720" {
		t.Errorf("a: %+v", a.SameAction)
	}
	if len(c.SameAction) != 0 {
		t.Errorf("4688 is broad, yet c links %+v", c.SameAction)
	}
	if len(d.SameAction) != 0 || len(e.SameAction) != 0 {
		t.Errorf("events of unknown provider linked: %+v %+v", d.SameAction, e.SameAction)
	}
}

func TestGlobValue(t *testing.T) {
	for _, tc := range []struct {
		in, match, v, m string
		ok              bool
	}{
		{"abc", "", "abc", "", true},
		{"*abc", "", "abc", "endswith", true},
		{"abc*", "", "abc", "startswith", true},
		{"*abc*", "", "abc", "contains", true},
		{`abc\*`, "", "", "", false}, // an escaped star stays in the value: not a plain name
		{"a*c", "", "", "", false},
		{"*", "", "", "", false},
		{"**", "", "", "", false},
		{"*abc", "startswith", "abc", "contains", true},
	} {
		v, m, ok := globValue(tc.in, tc.match)
		if v != tc.v || m != tc.m || ok != tc.ok {
			t.Errorf("globValue(%q, %q) = %q %q %v, want %q %q %v", tc.in, tc.match, v, m, ok, tc.v, tc.m, tc.ok)
		}
	}
}

func TestPartialMatches(t *testing.T) {
	full := "microsoft.compute/virtualmachines/runcommand/action"
	for _, tc := range []struct {
		p, match string
		want     bool
	}{
		{"runcommand/action", "has", true},
		{"command/action", "has", false},
		{"command/action", "contains", true},
		{"command/action", "endswith", true},
		{"microsoft.compute/", "startswith", true},
		{"microsoft.compute/", "endswith", false},
		{"/action", "has", true},
		{"virtualmachines", "has", true},
		{"virtualmachine", "has", false},
	} {
		if got := PartialMatches(full, tc.p, tc.match); got != tc.want {
			t.Errorf("PartialMatches(%q, %q) = %v", tc.p, tc.match, got)
		}
	}
}

func TestEvents(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *rule.Rule
		want []string
	}{
		{"azure", actionRule("a", "kql", []string{"AzureActivity"}, pred("OperationNameValue", rule.OpEq, false, false, "Microsoft.Compute/virtualMachines/runCommand/action")),
			[]string{"Azure Activity|Microsoft.Compute/virtualMachines/runCommand/action|Run Command on Virtual Machine|"}},
		{"security", actionRule("w", "kql", []string{"SecurityEvent"}, pred("EventID", rule.OpIn, false, false, "4720", "4732")),
			[]string{"Microsoft-Windows-Security-Auditing|4720|A user account was created|Security",
				"Microsoft-Windows-Security-Auditing|4732|A member was added to a security-enabled local group|Security",
				"Any platform|Local user account created|The same event through any platform's telemetry|",
				"Any platform|Member added to a local group|The same event through any platform's telemetry|"}},
		{"sigma category", actionRule("s", "sigma", []string{"windows//process_creation"}, pred("Image", rule.OpEndsWith, false, false, `\cmd.exe`)),
			[]string{"Microsoft-Windows-Sysmon|1|Process creation|Microsoft-Windows-Sysmon/Operational",
				"Microsoft-Windows-Security-Auditing|4688|A new process has been created|Security",
				"Any platform|Process creation|The same event through any platform's telemetry|"}},
		{"linux process creation has no windows events", actionRule("s", "sigma", []string{"linux//process_creation"}, pred("Image", rule.OpEndsWith, false, false, "/bash")),
			[]string{}},
		{"system by provider", actionRule("s", "sigma", []string{"windows/system/"}, pred("Provider_Name", rule.OpEq, false, false, "Service Control Manager"), pred("EventID", rule.OpEq, false, false, "7045")),
			[]string{"Service Control Manager|7045|A service was installed in the system|System",
				"Any platform|Service installed|The same event through any platform's telemetry|"}},
		{"cloudtrail partial", actionRule("k", "kql", []string{"AWSCloudTrail"}, pred("EventName", rule.OpStartsWith, false, false, "Delete")),
			[]string{"AWS CloudTrail|Delete*||"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := []string{}
			for _, e := range Events(tc.r) {
				got = append(got, fmt.Sprintf("%s|%s|%s|%s", e.Provider, e.Event, e.Title, e.Channel))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Events =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			FillEvents(tc.r)
			FillEvents(tc.r)
			if len(tc.r.Events) != len(tc.want) {
				t.Errorf("FillEvents twice gave %d events", len(tc.r.Events))
			}
		})
	}
}

func TestActionData(t *testing.T) {
	d := actionTable()
	if len(d.Sources) < 30 {
		t.Errorf("only %d action sources", len(d.Sources))
	}
	for _, s := range d.Sources {
		if len(s.Tables) == 0 && len(s.Logsources) == 0 && len(s.Selectors) == 0 {
			t.Errorf("source of space %s applies to no table, log source or selector", s.Space)
		}
	}
	for b := range d.broad {
		if _, ok := d.spaces[strings.SplitN(b, ":", 2)[0]]; !ok {
			t.Errorf("broad %q: unknown space", b)
		}
	}
	if _, err := parseActions([]byte("sources: [{space: nope, fields: [x]}]")); err == nil {
		t.Errorf("unknown space accepted")
	}
	ev := eventTable()
	if n := len(ev.byProvider); n < 250 {
		t.Errorf("only %d event titles", n)
	}
	sec := 0
	for k := range ev.byProvider {
		if strings.HasPrefix(k, "microsoft-windows-security-auditing:") {
			sec++
		}
	}
	if sec < 150 {
		t.Errorf("%d Security event titles, want the common 150", sec)
	}
	for i := 1; i <= 29; i++ {
		if EventTitle("Sysmon", fmt.Sprint(i)) == "" {
			t.Errorf("no title for Sysmon event %d", i)
		}
	}
}

// benchRules makes n rules whose actions are shared by a few to a few dozen
// rules each, as in real corpora: Azure operations (full and partial, by
// the tail), Windows Security events, CloudTrail names and prefixes, and
// rules with no action.
func benchRules(n int) []*rule.Rule {
	ops := []string{"Microsoft.Compute/virtualMachines/runCommand/action", "Microsoft.Compute/virtualMachines/write",
		"Microsoft.Authorization/roleAssignments/write", "Microsoft.KeyVault/vaults/secrets/read"}
	for j := range ops {
		ops[j] = strings.Replace(ops[j], "/", "/sub%d/", 1)
	}
	rules := make([]*rule.Rule, 0, n)
	for i := 0; i < n; i++ {
		switch i % 5 {
		case 0:
			rules = append(rules, actionRule(fmt.Sprintf("k/%d", i), "kql", []string{"AzureActivity"},
				pred("OperationNameValue", rule.OpEq, false, false, fmt.Sprintf(ops[i%len(ops)], i%100), fmt.Sprintf("Microsoft.X%d/things/write", i%300))))
		case 1:
			rules = append(rules, actionRule(fmt.Sprintf("b/%d", i), "kql", []string{"BehaviorAnalytics"},
				pred("ActivityInsights.EventMessage", rule.OpHasAny, false, false, fmt.Sprintf("X%d/things/write", i%300))))
		case 2:
			rules = append(rules, actionRule(fmt.Sprintf("w/%d", i), "kql", []string{"SecurityEvent"},
				pred("EventID", rule.OpEq, false, false, fmt.Sprint(4600+i%200))))
		case 3:
			rules = append(rules, actionRule(fmt.Sprintf("s/%d", i), "sigma", []string{"aws/cloudtrail/"},
				pred("eventName", rule.OpEq, false, false, fmt.Sprintf("Event%d", i%500), fmt.Sprintf("Delete%d*", i%100))))
		default:
			rules = append(rules, actionRule(fmt.Sprintf("p/%d", i), "sigma", []string{"windows//process_creation"},
				pred("Image", rule.OpEndsWith, false, false, `\cmd.exe`)))
		}
	}
	return rules
}

func BenchmarkSameAction10k(b *testing.B) {
	rules := benchRules(10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		SameAction(rules)
	}
	links := 0
	for _, r := range rules {
		links += len(r.SameAction)
	}
	b.ReportMetric(float64(links), "links")
}

func BenchmarkActionKeys(b *testing.B) {
	rules := benchRules(100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rules {
			ActionKeys(r)
		}
	}
}

func TestLinkActions(t *testing.T) {
	a := actionRule("kusto/a", "kql", []string{"SecurityEvent"}, pred("EventID", rule.OpEq, false, false, "4720"))
	b := actionRule("sigma/b", "sigma", []string{"windows/security/"}, pred("EventID", rule.OpEq, false, false, "4720"))
	LinkActions([]*rule.Rule{a, b})
	LinkActions([]*rule.Rule{a, b})
	if len(a.Events) != 2 || a.Events[0].Title != "A user account was created" || len(a.SameAction) != 1 || len(b.SameAction) != 1 {
		t.Errorf("a: events %+v, same action %+v", a.Events, a.SameAction)
	}
}

func FuzzActionKeys(f *testing.F) {
	for _, s := range []string{"Microsoft.Compute/virtualMachines/runCommand/action", "*runCommand/action*", "4688", "0", "*", "**", `\*`, "a*b", "Microsoft./write"} {
		f.Add("OperationNameValue", rule.OpEq, s, "AzureActivity")
		f.Add("ActivityInsights['EventMessage']", rule.OpHas, s, "BehaviorAnalytics")
		f.Add("EventID", rule.OpIn, s, "windows/system/")
	}
	f.Fuzz(func(t *testing.T, field, kind, value, table string) {
		for _, lang := range []string{"kql", "sigma"} {
			r := actionRule("x", lang, []string{table}, pred(field, kind, false, false, value), pred("Provider_Name", rule.OpEq, false, false, value))
			for _, k := range ActionKeys(r) {
				if k.Space == "" || (k.Value == "" && k.Space != "windows") {
					t.Fatalf("empty key %+v", k)
				}
				if k.Partial() && !PartialMatches(k.Value, k.Value, k.Match) {
					t.Fatalf("partial key %+v does not match itself", k)
				}
			}
			Events(r)
			SameAction([]*rule.Rule{r, r})
			MatchAction([]*rule.Rule{r}, value)
			MatchAction([]*rule.Rule{r}, field+" "+value)
		}
	})
}

func TestSameActionCorrelation(t *testing.T) {
	base := actionRule("sigma/failed", "sigma", []string{"windows/security/"}, pred("EventID", rule.OpEq, false, false, "4625"))
	base.UID = "AAAA-1"
	corr := &rule.Rule{ID: "sigma/many_failed", Platform: "sigma", Language: "sigma", Kind: rule.KindCorrelation,
		Related: []rule.Related{{ID: "aaaa-1", Type: "correlation"}}}
	other := actionRule("kusto/failed", "kql", []string{"SecurityEvent"}, pred("EventID", rule.OpEq, false, false, "4625"))
	unrelated := actionRule("kusto/x", "kql", []string{"SecurityEvent"}, pred("EventID", rule.OpEq, false, false, "4720"))
	rules := []*rule.Rule{base, corr, other, unrelated}
	SameAction(rules)
	var got []string
	for _, s := range corr.SameAction {
		got = append(got, s.ID)
	}
	if strings.Join(got, " ") != "kusto/failed sigma/failed" {
		t.Errorf("correlation links %v, want the rules of event 4625", got)
	}
	if len(corr.Actions) != 1 || corr.Actions[0] != "Microsoft-Windows-Security-Auditing: 4625" {
		t.Errorf("correlation actions %v", corr.Actions)
	}
	assertSymmetric(t, rules)
}

// assertSymmetric checks that every same-action link has its reverse.
func assertSymmetric(t *testing.T, rules []*rule.Rule) {
	t.Helper()
	links := map[string]bool{}
	for _, r := range rules {
		for _, s := range r.SameAction {
			links[r.ID+" "+s.ID] = true
		}
	}
	for l := range links {
		f := strings.Fields(l)
		if !links[f[1]+" "+f[0]] {
			t.Errorf("%s links %s, but not the reverse", f[0], f[1])
		}
	}
}

func TestMatchAction(t *testing.T) {
	kusto := actionRule("kusto/run", "kql", []string{"AzureActivity"},
		pred("OperationNameValue", rule.OpEq, false, false, "Microsoft.Compute/virtualMachines/runCommand/action"))
	defender := actionRule("kusto/ueba", "kql", []string{"BehaviorAnalytics"},
		pred("ActivityInsights.EventMessage", rule.OpHasAny, false, false, "runCommand/action", "extensions/write"))
	sigma := actionRule("sigma/sec", "sigma", []string{"windows/security/"}, pred("EventID", rule.OpEq, false, false, "4688"))
	other := actionRule("kusto/other", "kql", []string{"AzureActivity"},
		pred("OperationNameValue", rule.OpEq, false, false, "Microsoft.Compute/virtualMachines/write"))
	rules := []*rule.Rule{sigma, other, defender, kusto}
	ids := func(refs []rule.RuleRef) string {
		var out []string
		for _, r := range refs {
			out = append(out, r.ID)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct{ q, want string }{
		{"microsoft.compute/VIRTUALMACHINES/runCommand/action", "kusto/run kusto/ueba"},
		{"Microsoft.Compute/virtualMachines/write", "kusto/other"},
		{"4688", "sigma/sec"},
		{"Microsoft-Windows-Security-Auditing: 4688", "sigma/sec"},
		{"Microsoft-Windows-Sysmon 4688", ""},
		{"", ""},
		{"ConsoleLogin", ""},
		{"İİİİ 4688", ""},
		{"sysmon 4688", ""},
	} {
		if got := ids(MatchAction(rules, tc.q)); got != tc.want {
			t.Errorf("MatchAction(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

// A part that completes to many of the catalog's actions ("/WRITE") is no
// evidence of the same action: the DNS-zone rule (startswith its provider,
// endswith /WRITE or /DELETE) is not linked to a VM extension rule, while
// its specific part still links it to the DNS-zone rule.
func TestSameActionGenericPart(t *testing.T) {
	var rules []*rule.Rule
	for i, op := range []string{"Microsoft.Compute/virtualMachines/extensions/write", "Microsoft.Network/virtualNetworks/write",
		"Microsoft.Storage/storageAccounts/write", "Microsoft.KeyVault/vaults/write", "Microsoft.Web/sites/write",
		"Microsoft.Network/dnsZones/A/write"} {
		rules = append(rules, actionRule(fmt.Sprintf("kusto/op%d", i), "kql", []string{"AzureActivity"}, pred("OperationNameValue", rule.OpEq, false, false, op)))
	}
	dns := actionRule("sigma/azure_dns_zone_modified_or_deleted", "sigma", []string{"azure/activitylogs/"},
		pred("operationName", rule.OpStartsWith, false, false, "MICROSOFT.NETWORK/DNSZONES"),
		pred("operationName", rule.OpEndsWith, false, false, "/WRITE", "/DELETE"))
	rules = append(rules, dns)
	SameAction(rules)
	var got []string
	for _, s := range dns.SameAction {
		got = append(got, s.ID)
	}
	if !slices.Equal(got, []string{"kusto/op5"}) {
		t.Errorf("the DNS-zone rule links %v, want only kusto/op5 (its zone)", got)
	}
	if len(rules[0].SameAction) != 0 {
		t.Errorf("the VM extension rule links %+v", rules[0].SameAction)
	}
}

// Sentinel UEBA names an operation by its display name: "Run Command on
// Virtual Machine" is Microsoft.Compute/virtualMachines/runCommand/action.
func TestSameActionDisplayName(t *testing.T) {
	ueba := actionRule("kusto/AnomalousCodeExecution", "kql", []string{"BehaviorAnalytics"},
		pred("ActionType", rule.OpIn, true, false, "Run Command on Virtual Machine"))
	seed := actionRule("kusto/DetectAzureScriptOrRunCommandByRiskyUser", "kql", []string{"AzureActivity"},
		pred("OperationNameValue", rule.OpEq, false, false, "Microsoft.Compute/virtualMachines/runCommand/action"))
	SameAction([]*rule.Rule{ueba, seed})
	if len(seed.SameAction) != 1 || seed.SameAction[0].ID != ueba.ID {
		t.Errorf("the seed rule links %+v, want the UEBA rule", seed.SameAction)
	}
}
