package lowerkql

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

const sentinelCurrent = `id: 0b5d5c1e-1111-4a4a-9b9b-123456789abc
name: Run Command on a VM by a new caller
description: |
  'Flags a Run Command on a virtual machine.'
severity: Medium
status: Available
requiredDataConnectors:
  - connectorId: AzureActivity
    dataTypes:
      - AzureActivity
queryFrequency: 1h
queryPeriod: P14D
triggerOperator: gt
triggerThreshold: 0
tactics:
  - Execution
  - LateralMovement
relevantTechniques:
  - T1651
  - t1021.008
tags:
  - Cloud
  - Id: 11111111-2222-3333-4444-555555555555
    version: 1.0.0
query: |

  AzureActivity
  | where OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action"
  | project TimeGenerated, Caller, CallerIpAddress, ResourceId

entityMappings:
  - entityType: Account
    fieldMappings:
      - identifier: FullName
        columnName: Caller
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: CallerIpAddress
customDetails:
  Resource: ResourceId
eventGroupingSettings:
  aggregationKind: AlertPerResult
alertDetailsOverride:
  alertDisplayNameFormat: Run Command by {{Caller}}
  alertDynamicProperties:
    - alertProperty: ProductName
      value: Azure
version: 1.0.2
kind: Scheduled
metadata:
  source:
    kind: Community
  author:
    name: Jane Doe, John Roe
`

func readOne(t *testing.T, path, src string) *rule.Rule {
	t.Helper()
	f := &lang.File{Repo: "r", Path: path, Data: []byte(src)}
	ft := lang.Detect(f)
	if ft == nil {
		t.Fatalf("%s: no format detected", path)
	}
	items, diags := lang.ReadAs(ft, f)
	if len(items) != 1 {
		t.Fatalf("%s: %d items (diags %v), want 1", path, len(items), diags)
	}
	return items[0].Rule
}

func TestSentinelCurrentShape(t *testing.T) {
	r := readOne(t, "Analytic Rules/x.yaml", sentinelCurrent)
	if r.Format != "sentinel_yaml" || r.Platform != "kusto" || r.Language != "kql" || r.Kind != rule.KindDetection {
		t.Errorf("format/platform/language/kind = %s/%s/%s/%s", r.Format, r.Platform, r.Language, r.Kind)
	}
	if r.Title != "Run Command on a VM by a new caller" || r.Description != "Flags a Run Command on a virtual machine." {
		t.Errorf("title %q, description %q", r.Title, r.Description)
	}
	wantQ := "AzureActivity\n| where OperationNameValue =~ \"Microsoft.Compute/virtualMachines/runCommand/action\"\n| project TimeGenerated, Caller, CallerIpAddress, ResourceId"
	if r.Query != wantQ {
		t.Errorf("query = %q", r.Query)
	}
	if r.QueryLine != 27 || r.Source.Line != 27 {
		t.Errorf("query line %d, source line %d, want 27", r.QueryLine, r.Source.Line)
	}
	if r.Severity != "medium" || r.Status != "Available" || r.Version != "1.0.2" {
		t.Errorf("severity %q status %q version %q", r.Severity, r.Status, r.Version)
	}
	if r.TimeWindow != "14d" || r.Frequency != "1h" || r.Trigger != "gt 0" {
		t.Errorf("window %q frequency %q trigger %q", r.TimeWindow, r.Frequency, r.Trigger)
	}
	if want := []rule.Technique{{ID: "T1651", StatedAs: "T1651"}, {ID: "T1021.008", StatedAs: "t1021.008"}}; !reflect.DeepEqual(r.Techniques, want) {
		t.Errorf("techniques = %+v", r.Techniques)
	}
	if want := []string{"Execution", "LateralMovement"}; !reflect.DeepEqual(r.Tactics, want) {
		t.Errorf("tactics = %v", r.Tactics)
	}
	if want := []string{"Jane Doe", "John Roe"}; !reflect.DeepEqual(r.Authors, want) {
		t.Errorf("authors = %v", r.Authors)
	}
	if want := []string{"Cloud"}; !reflect.DeepEqual(r.Tags, want) {
		t.Errorf("tags = %v", r.Tags)
	}
	if want := []string{"AzureActivity"}; !reflect.DeepEqual(r.DataConnectors, want) {
		t.Errorf("connectors = %v", r.DataConnectors)
	}
	if want := []rule.EntityMapping{{EntityType: "Account", Identifier: "FullName", Column: "Caller"}, {EntityType: "IP", Identifier: "Address", Column: "CallerIpAddress"}}; !reflect.DeepEqual(r.EntityMappings, want) {
		t.Errorf("entity mappings = %v", r.EntityMappings)
	}
	for k, v := range map[string]string{
		"customDetails.Resource":                                  "ResourceId",
		"eventGroupingSettings.aggregationKind":                   "AlertPerResult",
		"alertDetailsOverride.alertDisplayNameFormat":             "Run Command by {{Caller}}",
		"alertDetailsOverride.alertDynamicProperties.ProductName": "Azure",
		"kind":                 "Scheduled",
		"metadata.source.kind": "Community",
	} {
		if r.Settings[k] != v {
			t.Errorf("setting %s = %q, want %q", k, r.Settings[k], v)
		}
	}
	if len(r.Diagnostics) != 0 {
		t.Errorf("diagnostics: %v", r.Diagnostics)
	}
}

func TestSentinelKinds(t *testing.T) {
	for _, tt := range []struct{ name, src, kind, product string }{
		{"hunting", "id: 1\nname: h\ndescription: d\ntactics: [Discovery]\nquery: |\n  SigninLogs | take 1\n", rule.KindHunting, "sentinel"},
		{"nrt", "id: 1\nname: n\nkind: NRT\nquery: SigninLogs\n", rule.KindDetection, "sentinel"},
		{"scheduled by frequency", "name: s\nqueryFrequency: 5m\nquery: T\n", rule.KindDetection, "sentinel"},
		{"custom detection", sentinelCustom, rule.KindDetection, "defender_xdr"},
	} {
		r := readOne(t, "x.yaml", tt.src)
		if r.Kind != tt.kind || r.Product != tt.product {
			t.Errorf("%s: kind %q product %q, want %q %q", tt.name, r.Kind, r.Product, tt.kind, tt.product)
		}
	}
}

const sentinelCustom = `id: 5a1c0f1e-0000-4000-8000-000000000001
name: Encoded PowerShell from Office
kind: CustomDetection
properties:
  displayName: Encoded PowerShell from Office
  isEnabled: true
  queryCondition:
    queryText: |-
      DeviceProcessEvents
      | where InitiatingProcessFileName in~ ("winword.exe", "excel.exe")
  schedule:
    period: 3H
  detectionAction:
    alertTemplate:
      title: Encoded PowerShell
      description: Office started an encoded PowerShell.
      severity: high
      category: Execution
      mitreTechniques:
        - T1059.001
      impactedAssets:
        - "@odata.type": "#microsoft.graph.security.impactedDeviceAsset"
          identifier: deviceId
`

func TestSentinelCustomDetection(t *testing.T) {
	r := readOne(t, "custom.yaml", sentinelCustom)
	if r.Title != "Encoded PowerShell from Office" || r.Severity != "high" || r.Frequency != "3h" {
		t.Errorf("title %q severity %q frequency %q", r.Title, r.Severity, r.Frequency)
	}
	if r.QueryLine != 9 || !strings.HasPrefix(r.Query, "DeviceProcessEvents\n| where") {
		t.Errorf("query line %d query %q", r.QueryLine, r.Query)
	}
	if len(r.Techniques) != 1 || r.Techniques[0].ID != "T1059.001" || !reflect.DeepEqual(r.Tactics, []string{"Execution"}) {
		t.Errorf("techniques %v tactics %v", r.Techniques, r.Tactics)
	}
	if want := []rule.EntityMapping{{EntityType: "Device", Identifier: "deviceId", Column: "deviceId"}}; !reflect.DeepEqual(r.EntityMappings, want) {
		t.Errorf("entity mappings = %v", r.EntityMappings)
	}
	// The JSON form of the same rule is read the same way.
	f := &lang.File{Path: "custom.json", Data: []byte(`{"id": "x", "kind": "CustomDetection", "properties": {"displayName": "J", "queryCondition": {"queryText": "DeviceEvents | take 1"}}}`)}
	if ft := lang.Detect(f); ft == nil || ft.Name != "sentinel_yaml" {
		t.Fatalf("custom detection JSON not detected")
	}
	items, _ := lang.ReadAs(lang.Detect(f), f)
	if len(items) != 1 || items[0].Rule.Query != "DeviceEvents | take 1" || items[0].Rule.Title != "J" || items[0].Rule.QueryLine != 1 {
		t.Errorf("JSON custom detection: %+v", items)
	}
}

func TestSentinelBroken(t *testing.T) {
	src := "id: 1\nname: Broken rule\ndescription: 'unclosed\nquery: |\n  SigninLogs\n  | where ResultType != 0\nentityMappings: [\n"
	r := readOne(t, "broken.yaml", src)
	if r.Title != "Broken rule" || r.Query != "SigninLogs\n| where ResultType != 0" || r.QueryLine != 5 {
		t.Errorf("recovered title %q query %q line %d", r.Title, r.Query, r.QueryLine)
	}
	if !r.HasErrors() || r.Diagnostics[0].Line == 0 {
		t.Errorf("diagnostics = %v", r.Diagnostics)
	}
	// No query at all: a positioned error on the rule.
	r = readOne(t, "noquery.yaml", "name: x\nquery:\n  - a\n")
	if !r.HasErrors() || r.Diagnostics[0].Line != 3 {
		t.Errorf("list query: %v", r.Diagnostics)
	}
	// Latin-1, UTF-16 and line ends are the reader's (package ingest, TestNormalise).
}

func TestKQLTimespan(t *testing.T) {
	for in, want := range map[string]string{
		"1d": "1d", "5H": "5h", "30m": "30m", "PT1H": "1h", "P14D": "14d", "P1DT12H": "36h", "PT5M": "5m",
		"PT90S": "90s", "P2W": "14d", "": "", "soon": "soon", "PT": "PT", "15 minutes": "15m",
	} {
		if got := kqlTimespan(in); got != want {
			t.Errorf("kqlTimespan(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSentinel(f *testing.F) {
	f.Add([]byte(sentinelCurrent))
	f.Add([]byte(sentinelCustom))
	f.Add([]byte("name: x\nquery: |\n  T\n  | where a\n: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file := &lang.File{Path: "f.yaml", Data: data}
		items, _ := readSentinel(file)
		for _, it := range items {
			if it.Rule.QueryLine < 0 {
				t.Fatalf("negative query line")
			}
		}
	})
}

func BenchmarkSentinel(b *testing.B) {
	data := []byte(sentinelCurrent)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		readSentinel(&lang.File{Path: "x.yaml", Data: data})
	}
}

// TestSentinelKeyShapes: a space before the colon and flow-style documents
// are Sentinel rules too (they were skipped as no rule format).
func TestSentinelKeyShapes(t *testing.T) {
	for name, src := range map[string]string{
		"space before colon":  "name : Spaced\nquery : |\n  SigninLogs\n  | take 1\n",
		"flow style":          "{name: Flowing, query: \"SigninLogs | take 1\"}\n",
		"flow style on lines": "{\n  \"name\": \"Flowing\",\n  \"query\": \"SigninLogs | take 1\"\n}\n",
	} {
		f := &lang.File{Path: "r.yaml", Data: []byte(src)}
		if !matchSentinel(f) {
			t.Errorf("%s: not told to be a Sentinel rule", name)
			continue
		}
		items, _ := readSentinel(f)
		if len(items) != 1 || items[0].Rule.Query != "SigninLogs\n| take 1" && items[0].Rule.Query != "SigninLogs | take 1" {
			t.Errorf("%s: %+v", name, items)
		}
	}
	if matchSentinel(&lang.File{Path: "r.yaml", Data: []byte("{title: x, detection: {sel: {a: b}, condition: sel}, query: q}\n")}) {
		t.Error("a flow-style Sigma rule told to be Sentinel")
	}
}
