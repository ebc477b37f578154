package lowerspl

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// The YAML files of splunk/security_content (ESCU), each one object of its
// own kind, told by its top-level keys:
//
//   - a detection (detections/**.yml; baselines too): name, id, version,
//     date, author, type, status, description, data_source, search,
//     how_to_implement, known_false_positives, references,
//     drilldown_searches, rba, tags (analytic_story, mitre_attack_id,
//     asset_type, security_domain, risk_score, observable, required_fields...),
//     tests. Its query is `search`, as the YAML decodes it.
//   - a macro (macros/*.yml): name, definition, arguments, description:
//     a rule of kind "macro", its query the definition.
//   - a data source (data_sources/*.yml): name, source, sourcetype,
//     separator (the field naming the event type), fields: kind
//     "data_source".
//   - a deployment (deployments/*.yml): name, type, scheduling
//     (cron_schedule, earliest_time, latest_time): the default schedule of
//     the detections of its type, kind "deployment".
//
// https://github.com/splunk/security_content (docs and spec/ of the repository)

// escuKeys are the top-level keys escuKind tells the objects by, each a bit.
var escuKeys = func() map[string]uint32 {
	m := map[string]uint32{}
	for i, k := range []string{"name", "detection", "query", "logsource", "search", "how_to_implement", "data_source",
		"tags", "type", "definition", "sourcetype", "source", "separator", "fields", "supported_TA", "scheduling"} {
		m[k] = 1 << i
	}
	return m
}()

// escuKind tells which ESCU object data holds, "" for none. It reads every
// YAML file a build meets (matchESCU): the keys are looked up, not kept.
func escuKind(data []byte) string {
	var seen uint32
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		// a top-level key: letters and _ from the line's start, then ':'
		n := 0
		for n < len(line) && (line[n] == '_' || line[n] >= 'a' && line[n] <= 'z' || line[n] >= 'A' && line[n] <= 'Z') {
			n++
		}
		if n > 0 && n < len(line) && line[n] == ':' {
			seen |= escuKeys[string(line[:n])]
		}
	}
	has := func(k string) bool { return seen&escuKeys[k] != 0 }
	switch {
	case !has("name") || has("detection") || has("query") || has("logsource"):
		return ""
	case has("search") && (has("how_to_implement") || has("data_source") || has("tags") && has("type")):
		return "detection"
	case has("definition") && !has("search"):
		return KindMacro
	case has("sourcetype") && has("source") && (has("separator") || has("fields") || has("supported_TA")):
		return KindDataSource
	case has("scheduling") && has("type"):
		return KindDeployment
	}
	return ""
}

func matchESCU(f *lang.File) bool {
	if e := f.Ext(); e != "yml" && e != "yaml" {
		return false
	}
	return escuKind(f.Data) != ""
}

// escuDoc is the part of an ESCU object ruledex reads.
type escuDoc struct {
	Name              string    `yaml:"name"`
	ID                string    `yaml:"id"`
	Version           yaml.Node `yaml:"version"`
	Date              string    `yaml:"date"`
	Author            string    `yaml:"author"`
	Type              string    `yaml:"type"`
	Status            string    `yaml:"status"`
	Description       string    `yaml:"description"`
	DataSource        []string  `yaml:"data_source"`
	Search            string    `yaml:"search"`
	HowToImplement    string    `yaml:"how_to_implement"`
	KnownFalsePos     string    `yaml:"known_false_positives"`
	References        []string  `yaml:"references"`
	Definition        string    `yaml:"definition"`
	Arguments         []string  `yaml:"arguments"`
	Source            string    `yaml:"source"`
	Sourcetype        string    `yaml:"sourcetype"`
	Separator         string    `yaml:"separator"`
	Fields            []string  `yaml:"fields"`
	Scheduling        schedule  `yaml:"scheduling"`
	Tags              escuTags  `yaml:"tags"`
	RBA               escuRBA   `yaml:"rba"`
	DrilldownSearches []struct {
		Name string `yaml:"name"`
	} `yaml:"drilldown_searches"`
}

type schedule struct {
	Cron     string `yaml:"cron_schedule"`
	Earliest string `yaml:"earliest_time"`
	Latest   string `yaml:"latest_time"`
}

type escuTags struct {
	AnalyticStory  []string `yaml:"analytic_story"`
	MitreAttackID  []string `yaml:"mitre_attack_id"`
	AssetType      string   `yaml:"asset_type"`
	SecurityDomain string   `yaml:"security_domain"`
	RiskScore      any      `yaml:"risk_score"`
	Observable     []struct {
		Name string   `yaml:"name"`
		Type string   `yaml:"type"`
		Role []string `yaml:"role"`
	} `yaml:"observable"`
	RequiredFields []string `yaml:"required_fields"`
	Product        []string `yaml:"product"`
}

type escuRBA struct {
	Message     string `yaml:"message"`
	RiskObjects []struct {
		Field string `yaml:"field"`
		Type  string `yaml:"type"`
		Score any    `yaml:"score"`
	} `yaml:"risk_objects"`
	ThreatObjects []struct {
		Field string `yaml:"field"`
		Type  string `yaml:"type"`
	} `yaml:"threat_objects"`
}

func readESCU(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	kind := escuKind(f.Data)
	var root yaml.Node
	if err := yaml.Unmarshal(f.Data, &root); err != nil {
		return nil, []rule.Diagnostic{{Path: f.Path, Line: 1, Col: 1, Severity: rule.SevError, Message: "not valid YAML: " + err.Error()}}
	}
	var d escuDoc
	var diags []rule.Diagnostic
	if err := root.Decode(&d); err != nil {
		// a field of an unexpected shape: what could be read is kept
		diags = append(diags, rule.Diagnostic{Path: f.Path, Line: 1, Col: 1, Severity: rule.SevWarning, Message: "ESCU " + kind + ": " + err.Error()})
	}
	r := &rule.Rule{Platform: Platform, Language: Name, Format: FormatESCU, Title: strings.TrimSpace(d.Name), UID: strings.TrimSpace(d.ID),
		Description: strings.TrimSpace(d.Description), Date: d.Date, Status: d.Status, Version: d.Version.Value}
	if d.Author != "" {
		r.Authors = lower.SplitAuthors(d.Author)
	}
	line := keyLine(&root, "name")
	switch kind {
	case "detection":
		readDetection(r, &d)
		line = keyLine(&root, "search")
	case KindMacro:
		r.Kind = KindMacro
		r.Name = macroKey(d.Name, len(d.Arguments))
		r.ID = "macro " + r.Name
		r.Query = d.Definition
		line = keyLine(&root, "definition")
		for _, a := range d.Arguments {
			r.Params = append(r.Params, rule.Param{Name: a, Kind: "argument"})
		}
	case KindDataSource:
		r.Kind = KindDataSource
		r.Name = d.Name
		r.ID = "data source " + d.Name
		for _, t := range []string{d.Source, d.Sourcetype} {
			if t != "" && !containsFold(r.Tables, t) {
				r.Tables = append(r.Tables, t)
			}
		}
		setting(r, "source", d.Source)
		setting(r, "sourcetype", d.Sourcetype)
		setting(r, "separator", d.Separator)
		r.Keywords = append(r.Keywords, d.Fields...)
	case KindDeployment:
		r.Kind = KindDeployment
		r.Name = d.Name
		r.ID = "deployment " + d.Name
		setting(r, "type", d.Type)
		setting(r, "cron_schedule", d.Scheduling.Cron)
		setting(r, "earliest_time", d.Scheduling.Earliest)
		setting(r, "latest_time", d.Scheduling.Latest)
		r.TimeWindow = window(d.Scheduling.Earliest, d.Scheduling.Latest)
		r.Frequency = cronFrequency(d.Scheduling.Cron)
	}
	r.QueryLine = line
	r.Source.Line = line
	if kind == "detection" && strings.TrimSpace(d.Search) == "" {
		r.AddDiagnostic(rule.SevError, line, 1, "the detection has no search")
	}
	r.Diagnostics = append(r.Diagnostics, diags...)
	return []lang.Item{{Rule: r}}, nil
}

// readDetection fills r with what an ESCU detection states.
func readDetection(r *rule.Rule, d *escuDoc) {
	r.Query = d.Search
	r.Kind = kindOf(d.Type)
	setting(r, "type", d.Type)
	r.DataConnectors = append(r.DataConnectors, d.DataSource...)
	r.References = append(r.References, d.References...)
	if fp := strings.TrimSpace(d.KnownFalsePos); fp != "" {
		r.FalsePositives = append(r.FalsePositives, fp)
	}
	setting(r, "how_to_implement", strings.TrimSpace(d.HowToImplement))
	t := &d.Tags
	r.Tags = append(r.Tags, t.AnalyticStory...)
	for _, id := range t.MitreAttackID {
		if id = strings.TrimSpace(id); id != "" {
			r.Techniques = append(r.Techniques, rule.Technique{ID: strings.ToUpper(id)})
		}
	}
	setting(r, "asset_type", t.AssetType)
	setting(r, "security_domain", t.SecurityDomain)
	if t.RiskScore != nil {
		setting(r, "risk_score", fmt.Sprint(t.RiskScore))
	}
	if len(t.RequiredFields) > 0 {
		setting(r, "required_fields", strings.Join(t.RequiredFields, ", "))
	}
	for _, o := range t.Observable {
		r.EntityMappings = append(r.EntityMappings, rule.EntityMapping{EntityType: o.Type, Identifier: strings.Join(o.Role, ", "), Column: o.Name})
	}
	for _, o := range d.RBA.RiskObjects {
		r.EntityMappings = append(r.EntityMappings, rule.EntityMapping{EntityType: o.Type, Identifier: "risk object", Column: o.Field})
	}
	for _, o := range d.RBA.ThreatObjects {
		r.EntityMappings = append(r.EntityMappings, rule.EntityMapping{EntityType: o.Type, Identifier: "threat object", Column: o.Field})
	}
	setting(r, "rba.message", d.RBA.Message)
	if n := len(d.DrilldownSearches); n > 0 {
		setting(r, "drilldown_searches", strconv.Itoa(n))
	}
}

// kindOf is the kind of a detection of ESCU type typ.
func kindOf(typ string) string {
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "hunting":
		return rule.KindHunting
	case "correlation":
		return rule.KindCorrelation
	case "baseline":
		return rule.KindBuildingBlock
	}
	return rule.KindDetection // TTP, Anomaly, and any other
}

// keyLine returns the line of a top-level key's value (1 when absent).
func keyLine(root *yaml.Node, key string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return 1
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				return v.Line + 1
			}
			return v.Line
		}
	}
	return 1
}

func setting(r *rule.Rule, k, v string) {
	if v = strings.TrimSpace(v); v == "" {
		return
	}
	if r.Settings == nil {
		r.Settings = map[string]string{}
	}
	r.Settings[k] = v
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// macroKey is how a macro of n arguments is named: name, or name(n).
func macroKey(name string, n int) string {
	name = strings.TrimSpace(name)
	if n == 0 {
		return name
	}
	return name + "(" + strconv.Itoa(n) + ")"
}

// ---- raw .spl files

func matchText(f *lang.File) bool { return f.Ext() == "spl" && len(bytes.TrimSpace(f.Data)) > 0 }

// readText reads a .spl file as one search: its query the whole file, its
// title the file's name.
func readText(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	name := f.Path[strings.LastIndexByte(f.Path, '/')+1:]
	name = strings.TrimSuffix(name, "."+f.Ext())
	r := &rule.Rule{Platform: Platform, Language: Name, Format: FormatText, Title: name, Kind: rule.KindDetection,
		Query: string(f.Data), QueryLine: 1}
	r.Source.Line = 1
	return []lang.Item{{Rule: r}}, nil
}
