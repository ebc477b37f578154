package lowerkql

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/yamlbound"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// The Sentinel format: YAML (or JSON) files that carry one KQL rule in a
// top-level `query:` key — Microsoft Sentinel analytic rules (Scheduled, NRT)
// and hunting queries, in the 2020 shape and today's Azure-Sentinel shape —
// and Defender XDR custom detections (`kind: CustomDetection`, the KQL in
// properties.queryCondition.queryText). A file with queryFrequency,
// triggerOperator or a Scheduled/NRT/CustomDetection kind is a detection;
// one without is a hunting query.
func matchSentinel(f *lang.File) bool {
	switch f.Ext() {
	case "yml", "yaml":
		return looksLikeSentinelYAML(f.Data)
	case "json":
		d := f.Data
		return (bytes.Contains(d, []byte(`"queryText"`)) && bytes.Contains(d, []byte(`"queryCondition"`))) ||
			(bytes.Contains(d, []byte(`"query"`)) && (bytes.Contains(d, []byte(`"queryFrequency"`)) ||
				bytes.Contains(d, []byte(`"relevantTechniques"`)) || bytes.Contains(d, []byte(`"requiredDataConnectors"`))))
	}
	return false
}

// looksLikeSentinelYAML tells from its top-level keys whether data is a
// Sentinel rule: a `query:` key and no Sigma `detection:`, or a custom
// detection (`kind: CustomDetection`, or a queryCondition with queryText).
func looksLikeSentinelYAML(data []byte) bool {
	var query, detection, custom, queryText bool
	for line := range bytes.Lines(data) {
		line = bytes.TrimPrefix(bytes.TrimSuffix(line, []byte("\n")), []byte("\xef\xbb\xbf"))
		trimmed := bytes.TrimSpace(line)
		if bytes.HasPrefix(trimmed, []byte("queryText:")) || bytes.HasPrefix(trimmed, []byte(`"queryText":`)) {
			queryText = true
		}
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '-' {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		switch string(bytes.Trim(bytes.TrimSpace(line[:colon]), `"'`)) { // `query :` is the key query too
		case "query":
			query = true
		case "detection":
			detection = true
		case "kind":
			if strings.EqualFold(strings.Trim(strings.TrimSpace(string(line[colon+1:])), `"'`), "CustomDetection") {
				custom = true
			}
		}
	}
	if !query && !detection && !custom && !queryText {
		// A document in flow style ({name: x, query: "T | take 1"}) has its keys
		// after { or , rather than at a line's start.
		query = flowKeyRE.Match(data) && !flowDetectionRE.Match(data)
	}
	return (query && !detection) || custom || (queryText && !detection)
}

var (
	flowKeyRE       = regexp.MustCompile(`(?m)^\s*\{[^#]*?(?:^|[{,])\s*["']?query["']?\s*:`)
	flowDetectionRE = regexp.MustCompile(`[{,]\s*["']?detection["']?\s*:`)
)

func readSentinel(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	var doc yaml.Node
	data := f.Data
	err := yaml.Unmarshal(data, &doc)
	if err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		line, msg := 1, "not a YAML mapping"
		if err != nil {
			line, msg = yamlbound.ErrorLine(err.Error())
		}
		d := rule.Diagnostic{Path: f.Path, Line: line, Col: 1, Severity: rule.SevError, Message: "cannot read the rule's YAML: " + msg}
		// What could be read: the query block and the name, by their lines.
		r := recoverSentinel(f, data)
		if r == nil {
			return nil, []rule.Diagnostic{d}
		}
		r.Diagnostics = append([]rule.Diagnostic{d}, r.Diagnostics...)
		return []lang.Item{{Rule: r}}, nil
	}
	r := SentinelRule(f.Path, doc.Content[0])
	return []lang.Item{{Rule: r}}, nil
}

// ymap is a YAML mapping node read by key.
type ymap struct{ n *yaml.Node }

func (m ymap) get(key string) *yaml.Node {
	if m.n == nil || m.n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.n.Content); i += 2 {
		if m.n.Content[i].Value == key {
			return deref(m.n.Content[i+1])
		}
	}
	return nil
}

// getFold is get with a case-insensitive key.
func (m ymap) getFold(key string) *yaml.Node {
	if n := m.get(key); n != nil {
		return n
	}
	if m.n == nil || m.n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.n.Content); i += 2 {
		if strings.EqualFold(m.n.Content[i].Value, key) {
			return deref(m.n.Content[i+1])
		}
	}
	return nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// str returns the scalar value of n, or "".
func str(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// strs returns the scalar items of a sequence, or of a scalar with commas.
func strs(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	var out []string
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if s := strings.TrimSpace(str(deref(c))); s != "" {
				out = append(out, s)
			}
		}
	case yaml.ScalarNode:
		for _, s := range strings.Split(str(n), ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// SentinelRule makes the rule of a Sentinel analytic rule, hunting query or
// Defender XDR custom detection, given the document's top-level mapping.
func SentinelRule(path string, top *yaml.Node) *rule.Rule {
	m := ymap{top}
	r := &rule.Rule{Platform: "kusto", Language: "kql", Format: "sentinel_yaml", Product: "sentinel"}
	r.Source.Path = path
	diag := func(sev string, n *yaml.Node, format string, args ...any) {
		line, col := 1, 1
		if n != nil {
			line, col = n.Line, n.Column
		}
		r.AddDiagnostic(sev, line, col, fmt.Sprintf(format, args...))
	}

	// A custom detection keeps most of its fields under properties (and its
	// alert under detectionAction.alertTemplate); the rest sit at the top.
	kind := str(m.getFold("kind"))
	props := m
	if p := m.getFold("properties"); p != nil && p.Kind == yaml.MappingNode {
		props = ymap{p}
	}
	pick := func(keys ...string) *yaml.Node {
		for _, k := range keys {
			if n := m.getFold(k); n != nil {
				return n
			}
			if props.n != m.n {
				if n := props.getFold(k); n != nil {
					return n
				}
			}
		}
		return nil
	}
	alert := ymap{}
	if da := pick("detectionAction"); da != nil {
		if at := (ymap{da}).getFold("alertTemplate"); at != nil {
			alert = ymap{at}
		}
	}

	r.UID = str(pick("id"))
	r.Title = strings.TrimSpace(str(pick("name", "displayName", "title")))
	if r.Title == "" {
		r.Title = strings.TrimSpace(str(alert.getFold("title")))
	}
	r.Description = cleanSentinelText(str(pick("description")))
	if r.Description == "" {
		r.Description = cleanSentinelText(str(alert.getFold("description")))
	}
	r.Severity = strings.ToLower(strings.TrimSpace(str(pick("severity"))))
	if r.Severity == "" {
		r.Severity = strings.ToLower(strings.TrimSpace(str(alert.getFold("severity"))))
	}
	r.Status = strings.TrimSpace(str(pick("status")))
	r.Version = strings.TrimSpace(str(pick("version")))

	// The query.
	var qn *yaml.Node
	if qc := pick("queryCondition"); qc != nil {
		qn = (ymap{qc}).getFold("queryText")
	}
	if qn == nil {
		qn = pick("query")
	}
	switch {
	case qn == nil:
		diag(rule.SevError, top, "the rule has no query (no query: key, nor queryCondition.queryText)")
	case qn.Kind != yaml.ScalarNode:
		diag(rule.SevError, qn, "the query is not a text (a YAML %s)", kindName(qn.Kind))
	default:
		r.Query, r.QueryLine = scalarText(qn)
		if strings.TrimSpace(r.Query) == "" {
			diag(rule.SevError, qn, "the query is empty")
		}
	}
	r.Source.Line = r.QueryLine

	// Kind: detection when scheduled, hunting otherwise.
	switch {
	case strings.EqualFold(kind, "CustomDetection"):
		r.Product = "defender_xdr"
		r.Kind = rule.KindDetection
	case strings.EqualFold(kind, "Scheduled"), strings.EqualFold(kind, "NRT"),
		pick("queryFrequency") != nil, pick("triggerOperator") != nil, pick("triggerThreshold") != nil:
		r.Kind = rule.KindDetection
	default:
		r.Kind = rule.KindHunting
	}
	if kind != "" {
		setSetting(r, "kind", kind)
	}

	// Schedule and trigger.
	r.TimeWindow = kqlTimespan(str(pick("queryPeriod")))
	r.Frequency = kqlTimespan(str(pick("queryFrequency")))
	if sch := pick("schedule"); sch != nil && r.Frequency == "" {
		r.Frequency = kqlTimespan(str((ymap{sch}).getFold("period")))
	}
	if op := str(pick("triggerOperator")); op != "" {
		th := str(pick("triggerThreshold"))
		r.Trigger = strings.TrimSpace(triggerOp(op) + " " + th)
	}

	// Authors, dates, references, tags.
	if md := pick("metadata"); md != nil {
		mm := ymap{md}
		if a := mm.getFold("author"); a != nil {
			if a.Kind == yaml.MappingNode {
				r.Authors = append(r.Authors, lower.SplitAuthors(str((ymap{a}).getFold("name")))...)
			} else {
				r.Authors = append(r.Authors, lower.SplitAuthors(str(a))...)
			}
		}
		if s := mm.getFold("source"); s != nil && s.Kind == yaml.MappingNode {
			setSetting(r, "metadata.source.kind", str((ymap{s}).getFold("kind")))
		}
		if s := mm.getFold("support"); s != nil && s.Kind == yaml.MappingNode {
			setSetting(r, "metadata.support.tier", str((ymap{s}).getFold("tier")))
		}
	}
	if a := pick("author", "authors", "createdBy"); a != nil && len(r.Authors) == 0 {
		for _, s := range strs(a) {
			r.Authors = append(r.Authors, lower.SplitAuthors(s)...)
		}
	}
	r.Date = strings.TrimSpace(str(pick("createdDate", "createdDateTime", "date")))
	r.Modified = strings.TrimSpace(str(pick("lastUpdatedDateTime", "lastModifiedDateTime", "modified")))
	if r.Modified == "" {
		if qc := pick("queryCondition"); qc != nil {
			r.Modified = strings.TrimSpace(str((ymap{qc}).getFold("lastModifiedDateTime")))
		}
	}
	r.References = strs(pick("references"))
	if t := pick("tags"); t != nil && t.Kind == yaml.SequenceNode {
		for _, c := range t.Content {
			if s := strings.TrimSpace(str(deref(c))); s != "" {
				r.Tags = append(r.Tags, s)
			}
		}
	}

	// ATT&CK.
	r.Tactics = strs(pick("tactics"))
	var techNodes []*yaml.Node
	if t := pick("relevantTechniques", "techniques"); t != nil {
		techNodes = append(techNodes, t)
	}
	if t := alert.getFold("mitreTechniques"); t != nil {
		techNodes = append(techNodes, t)
	}
	if c := str(alert.getFold("category")); c != "" && len(r.Tactics) == 0 {
		r.Tactics = []string{c}
	}
	seen := map[string]bool{}
	for _, tn := range techNodes {
		for _, s := range strs(tn) {
			id := strings.ToUpper(strings.TrimSpace(s))
			if seen[id] {
				continue
			}
			seen[id] = true
			r.Techniques = append(r.Techniques, rule.Technique{ID: id, StatedAs: s})
		}
	}

	// Data connectors.
	if dc := pick("requiredDataConnectors"); dc != nil && dc.Kind == yaml.SequenceNode {
		for _, c := range dc.Content {
			c = deref(c)
			if id := str((ymap{c}).getFold("connectorId")); id != "" {
				r.DataConnectors = appendOnce(r.DataConnectors, id)
			} else if s := str(c); s != "" {
				r.DataConnectors = appendOnce(r.DataConnectors, s)
			}
		}
	}

	// Entity mappings (Sentinel), impacted assets (custom detections).
	if em := pick("entityMappings"); em != nil {
		if em.Kind != yaml.SequenceNode {
			diag(rule.SevWarning, em, "entityMappings is not a list")
		} else {
			for _, e := range em.Content {
				e = deref(e)
				et := str((ymap{e}).getFold("entityType"))
				fm := (ymap{e}).getFold("fieldMappings")
				if et == "" || fm == nil || fm.Kind != yaml.SequenceNode {
					diag(rule.SevWarning, e, "entity mapping without entityType or fieldMappings")
					continue
				}
				for _, f := range fm.Content {
					f = deref(f)
					id, col := str((ymap{f}).getFold("identifier")), str((ymap{f}).getFold("columnName"))
					if col == "" {
						diag(rule.SevWarning, f, "field mapping of %s without columnName", et)
						continue
					}
					r.EntityMappings = append(r.EntityMappings, rule.EntityMapping{EntityType: et, Identifier: id, Column: col})
				}
			}
		}
	}
	if ia := alert.getFold("impactedAssets"); ia != nil && ia.Kind == yaml.SequenceNode {
		for _, a := range ia.Content {
			am := ymap{deref(a)}
			et := strings.TrimPrefix(str(am.getFold("@odata.type")), "#microsoft.graph.security.")
			et = strings.TrimSuffix(strings.TrimPrefix(et, "impacted"), "Asset")
			if col := str(am.getFold("identifier")); col != "" {
				r.EntityMappings = append(r.EntityMappings, rule.EntityMapping{EntityType: et, Identifier: col, Column: col})
			}
		}
	}

	// Other alerting settings, flattened: custom details, grouping, alert
	// overrides, incident configuration, suppression, recommended actions.
	if cd := pick("customDetails"); cd != nil {
		if cd.Kind != yaml.MappingNode {
			diag(rule.SevWarning, cd, "customDetails is not a mapping")
		} else {
			flattenSettings(r, "customDetails", cd)
		}
	}
	for _, k := range []string{"eventGroupingSettings", "alertDetailsOverride", "incidentConfiguration",
		"suppressionDuration", "suppressionEnabled", "sentinelEntitiesMappings", "isEnabled", "enabled"} {
		if n := pick(k); n != nil {
			flattenSettings(r, k, n)
		}
	}
	for _, k := range []string{"recommendedActions", "category"} {
		if n := alert.getFold(k); n != nil {
			flattenSettings(r, "alertTemplate."+k, n)
		}
	}
	return r
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "node"
}

// scalarText returns the text of a scalar query node and the file line of
// its first line. Leading blank lines of a block scalar are dropped (and the
// line moved past them) and trailing white space trimmed, so that the query
// starts and ends with KQL.
func scalarText(n *yaml.Node) (string, int) {
	s, line := n.Value, n.Line
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		line++ // the text starts on the line after the | or > indicator
	}
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimSpace(s[:i]) != "" {
			break
		}
		s = s[i+1:]
		line++
	}
	s = strings.TrimRight(s, " \t\r\n")
	return s, line
}

// setSetting sets a setting of r when v is not empty.
func setSetting(r *rule.Rule, k, v string) {
	if v = strings.TrimSpace(v); v == "" {
		return
	}
	if r.Settings == nil {
		r.Settings = map[string]string{}
	}
	r.Settings[k] = v
}

// flattenSettings puts the scalars under n into r.Settings, keyed by their
// dotted path (lists by index, or by a list item's alertProperty).
func flattenSettings(r *rule.Rule, prefix string, n *yaml.Node) {
	var walk func(p string, n *yaml.Node, depth int)
	walk = func(p string, n *yaml.Node, depth int) {
		n = deref(n)
		if n == nil || depth > 8 {
			return
		}
		switch n.Kind {
		case yaml.ScalarNode:
			setSetting(r, p, str(n))
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(p+"."+n.Content[i].Value, n.Content[i+1], depth+1)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				c = deref(c)
				if c != nil && c.Kind == yaml.MappingNode {
					if ap := str((ymap{c}).getFold("alertProperty")); ap != "" {
						setSetting(r, p+"."+ap, str((ymap{c}).getFold("value")))
						continue
					}
				}
				walk(p+"."+strconv.Itoa(i), c, depth+1)
			}
		}
	}
	walk(prefix, n, 0)
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// cleanSentinelText trims a description, and the single quotes that many
// Sentinel rules wrap theirs in inside a block scalar.
func cleanSentinelText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// triggerOp maps a Sentinel trigger operator to the model's operator kind.
func triggerOp(op string) string {
	switch strings.ToLower(strings.TrimSpace(op)) {
	case "gt", "greaterthan":
		return rule.OpGt
	case "lt", "lessthan":
		return rule.OpLt
	case "eq", "equal", "equals":
		return rule.OpEq
	case "ne", "notequal":
		return rule.OpNe
	case "ge", "greaterthanorequal":
		return rule.OpGe
	case "le", "lessthanorequal":
		return rule.OpLe
	}
	return strings.ToLower(strings.TrimSpace(op))
}

var (
	kqlSpanRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*(d|h|m|s|ms|min|minutes?|hours?|days?|seconds?)$`)
	isoSpanRE = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)
)

// kqlTimespan writes a Sentinel period as a KQL timespan: "1d" and "5h" as
// they are (lower-cased), ISO 8601 durations ("PT1H", "P14D", "P1DT12H")
// in the largest whole unit ("1h", "14d", "36h"). Anything else is kept as
// written.
func kqlTimespan(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if m := kqlSpanRE.FindStringSubmatch(strings.ToLower(s)); m != nil {
		u := m[2]
		switch {
		case u == "min" || strings.HasPrefix(u, "minute"):
			u = "m"
		case strings.HasPrefix(u, "hour"):
			u = "h"
		case strings.HasPrefix(u, "day"):
			u = "d"
		case strings.HasPrefix(u, "second"):
			u = "s"
		}
		return m[1] + u
	}
	m := isoSpanRE.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "P" || strings.HasSuffix(strings.ToUpper(s), "T") {
		return s
	}
	num := func(i int) int64 {
		if m[i] == "" {
			return 0
		}
		v, _ := strconv.ParseInt(m[i], 10, 64)
		return v
	}
	secs := num(1)*7*86400 + num(2)*86400 + num(3)*3600 + num(4)*60 + num(5)
	switch {
	case secs == 0:
		return "0s"
	case secs%86400 == 0:
		return strconv.FormatInt(secs/86400, 10) + "d"
	case secs%3600 == 0:
		return strconv.FormatInt(secs/3600, 10) + "h"
	case secs%60 == 0:
		return strconv.FormatInt(secs/60, 10) + "m"
	}
	return strconv.FormatInt(secs, 10) + "s"
}

// recoverSentinel reads, from a file whose YAML is broken, the name and the
// query block by their lines, so that the rule stays in the catalog.
func recoverSentinel(f *lang.File, data []byte) *rule.Rule {
	lines := strings.Split(string(data), "\n")
	r := &rule.Rule{Platform: "kusto", Language: "kql", Format: "sentinel_yaml", Product: "sentinel", Kind: rule.KindHunting}
	r.Source.Path = f.Path
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r")
		key, val, ok := strings.Cut(l, ":")
		if !ok || key == "" || key[0] == ' ' || key[0] == '\t' {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.Trim(key, `"'`) {
		case "name", "displayName":
			if r.Title == "" {
				r.Title = strings.Trim(val, `"'`)
			}
		case "id":
			r.UID = strings.Trim(val, `"'`)
		case "queryFrequency", "triggerOperator":
			r.Kind = rule.KindDetection
		case "query":
			if val != "" && val[0] != '|' && val[0] != '>' {
				r.Query, r.QueryLine = strings.Trim(val, `"'`), i+1
				continue
			}
			// A block: the following lines that are indented or blank.
			var body []string
			start := -1
			indent := -1
			for j := i + 1; j < len(lines); j++ {
				lj := strings.TrimRight(lines[j], "\r")
				if strings.TrimSpace(lj) == "" {
					if start >= 0 {
						body = append(body, "")
					}
					continue
				}
				w := len(lj) - len(strings.TrimLeft(lj, " \t"))
				if w == 0 {
					break
				}
				if start < 0 {
					start, indent = j, w
				}
				if w < indent {
					w = indent
					lj = strings.Repeat(" ", indent) + strings.TrimLeft(lj, " \t")
				}
				body = append(body, lj[indent:])
			}
			if start >= 0 {
				r.Query = strings.TrimRight(strings.Join(body, "\n"), " \t\n")
				r.QueryLine = start + 1
			}
		}
	}
	if r.Query == "" {
		return nil
	}
	r.Source.Line = r.QueryLine
	return r
}
