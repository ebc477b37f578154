package lowerelastic

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/tomldoc"
	"github.com/ruledex/ruledex/internal/rule"
)

// The Elastic TOML format: a detection rule of elastic/detection-rules
// ([metadata] and [rule], with [[rule.threat]], [rule.threshold],
// [rule.new_terms], [rule.alert_suppression], [transform]...), a deprecated
// rule (maturity = "deprecated"), or a hunting query file ([hunt], a list
// of queries, each a rule variant). The schema is detection-rules'
// (detection_rules/schemas/definitions.py and rule.py, and the hunting
// folder's definitions.py).
func matchTOML(f *lang.File) bool {
	if f.Ext() != "toml" {
		return false
	}
	return tableHeaderRE.Match(f.Data)
}

// tableHeaderRE finds the [rule] or [hunt] table of a rule file.
var tableHeaderRE = regexp.MustCompile(`(?m)^[ \t]*\[[ \t]*(rule|hunt)[ \t]*\][ \t]*(#.*)?$`)

// ruleDoc is what the lowering needs of a TOML rule besides its query:
// the rule type and its settings.
type ruleDoc struct {
	Type                  string
	Index                 []string
	DataView              string
	EventCategoryOverride string
	TimestampOverride     string
	Threshold             *threshold
	NewTerms              *newTerms
	Threat                *threatMatch
	Suppression           *suppression
	InvestigationFields   []string
	MLJobs                []string
	AnomalyThreshold      string
	Filters               []filter
}

type threshold struct {
	Fields      []string
	Value       string
	Cardinality []struct{ Field, Value string }
}

type newTerms struct {
	Fields        []string
	HistoryWindow string
}

type threatMatch struct {
	Index         []string
	Query         string
	QueryLine     int
	Language      string
	IndicatorPath string
	Mappings      [][]struct{ Field, Value string }
}

type suppression struct {
	GroupBy  []string
	Duration string
	Missing  string
}

// filter is one of a rule's Kibana filters ([[rule.filters]]): a
// match_phrase, wildcard, exists or term query on a field, negated when its
// meta says negate.
type filter struct {
	Kind   string // match_phrase, wildcard, exists, term, match
	Field  string
	Value  string
	Negate bool
	// CaseInsensitive: the query's case_insensitive option (wildcard,
	// term, prefix), https://www.elastic.co/docs/reference/query-languages/query-dsl/query-dsl-wildcard-query
	CaseInsensitive bool
}

func readTOML(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	m, err := tomldoc.Decode(f.Data)
	if err != nil {
		return nil, []rule.Diagnostic{tomlError(f, err)}
	}
	if h, ok := m["hunt"].(map[string]any); ok {
		return readHunt(f, h), nil
	}
	rt, ok := m["rule"].(map[string]any)
	if !ok {
		return nil, []rule.Diagnostic{{Path: f.Path, Line: 1, Col: 1, Severity: rule.SevError, Message: "Elastic rule file without a [rule] table"}}
	}
	meta, _ := m["metadata"].(map[string]any)
	r, doc := ruleOf(f, rt, meta)
	if tr, ok := m["transform"].(map[string]any); ok {
		r.Params = append(r.Params, transformParams(tr)...)
	}
	it := lang.Item{Rule: r, Doc: doc}
	if r.Language == LangML {
		Lower(it) // no query: no registered language lowers it later
	}
	return []lang.Item{it}, nil
}

// tomlError places a TOML decoding error.
func tomlError(f *lang.File, err error) rule.Diagnostic {
	msg, line, col := tomldoc.Error(f.Data, err)
	return rule.Diagnostic{Path: f.Path, Line: line, Col: col, Severity: rule.SevError, Message: "not valid TOML: " + msg}
}

// ruleOf makes the rule of a [rule] table, with what its metadata says.
func ruleOf(f *lang.File, rt, meta map[string]any) (*rule.Rule, *ruleDoc) {
	r := &rule.Rule{
		Platform:    Platform,
		Format:      "elastic_toml",
		UID:         str(rt, "rule_id"),
		Title:       strings.TrimSpace(str(rt, "name")),
		Description: strings.TrimSpace(str(rt, "description")),
		Severity:    str(rt, "severity"),
		Authors:     strs(rt, "author"),
		References:  strs(rt, "references"),
		Tags:        strs(rt, "tags"),
		Version:     scalar(rt["version"]),
		Query:       str(rt, "query"),
		Kind:        rule.KindDetection,
		Settings:    map[string]string{},
	}
	for _, fp := range strs(rt, "false_positives") {
		if fp = strings.Join(strings.Fields(fp), " "); fp != "" {
			r.FalsePositives = append(r.FalsePositives, fp)
		}
	}
	r.Date = dateOf(dateStr(meta, "creation_date"))
	r.Modified = dateOf(dateStr(meta, "updated_date"))
	r.Status = str(meta, "maturity")
	if dateStr(meta, "deprecation_date") != "" || strings.Contains("/"+f.Path, "/_deprecated/") {
		r.Status = "deprecated"
	}
	r.Language = languageOf(str(rt, "language"), str(rt, "type"))
	if str(rt, "type") == "machine_learning" && str(rt, "query") == "" {
		r.Language = LangML
	}
	for _, tag := range r.Tags {
		// a rule on other rules' alerts (sequences, counts, new terms of
		// alerts): a correlation, not a forward of them
		if strings.EqualFold(strings.TrimSpace(tag), "Rule Type: Higher-Order Rule") {
			r.Kind = rule.KindCorrelation
		}
	}
	if str(rt, "building_block_type") != "" {
		r.Kind = rule.KindBuildingBlock
		r.Settings["building_block_type"] = str(rt, "building_block_type")
	}
	r.QueryLine = keyLine(f.Data, "rule", "query")
	r.Source.Line = max(r.QueryLine, tableLine(f.Data, "rule"))
	if r.Query == "" {
		r.Source.Line = tableLine(f.Data, "rule")
	}
	r.Techniques, r.Tactics = threatOf(rt["threat"])

	// Schedule: from is the look-back (now-9m: the last 9 minutes),
	// interval how often the rule runs.
	if from := str(rt, "from"); from != "" {
		r.TimeWindow = lookback(from)
		r.Settings["from"] = from
	}
	r.Frequency = str(rt, "interval")
	for _, k := range []string{"type", "language", "risk_score", "max_signals", "to", "timestamp_override", "event_category_override",
		"tiebreaker_field", "data_view_id", "anomaly_threshold", "license", "rule_name_override", "timeline_title", "timeline_id", "output_index"} {
		if v := scalar(rt[k]); v != "" {
			r.Settings[k] = v
		}
	}
	for _, k := range []string{"integration", "min_stack_version", "min_stack_comments", "deprecation_date", "maturity", "comments"} {
		if v := scalar(meta[k]); v != "" {
			r.Settings["metadata."+k] = v
		}
	}
	if v := strs(meta, "integration"); len(v) > 0 {
		r.Settings["metadata.integration"] = strings.Join(v, ", ")
	}
	if note := strings.TrimSpace(str(rt, "note")); note != "" {
		r.Settings["investigation_guide"] = note
	}
	if setup := strings.TrimSpace(str(rt, "setup")); setup != "" {
		r.Settings["setup"] = setup
	}

	doc := &ruleDoc{
		Type:                  str(rt, "type"),
		Index:                 strs(rt, "index"),
		DataView:              str(rt, "data_view_id"),
		EventCategoryOverride: str(rt, "event_category_override"),
		TimestampOverride:     str(rt, "timestamp_override"),
		MLJobs:                strs(rt, "machine_learning_job_id"),
		AnomalyThreshold:      scalar(rt["anomaly_threshold"]),
	}
	if len(doc.MLJobs) > 0 {
		r.Settings["machine_learning_job_id"] = strings.Join(doc.MLJobs, ", ")
	}
	if th, ok := rt["threshold"].(map[string]any); ok {
		t := &threshold{Fields: strs(th, "field"), Value: scalar(th["value"])}
		for _, c := range tables(th["cardinality"]) {
			t.Cardinality = append(t.Cardinality, struct{ Field, Value string }{str(c, "field"), scalar(c["value"])})
		}
		doc.Threshold = t
	}
	if nt, ok := rt["new_terms"].(map[string]any); ok {
		n := &newTerms{Fields: strs(nt, "value")}
		for _, h := range tables(nt["history_window_start"]) {
			n.HistoryWindow = str(h, "value")
		}
		doc.NewTerms = n
	}
	if doc.Type == "threat_match" || rt["threat_query"] != nil {
		tm := &threatMatch{Index: strs(rt, "threat_index"), Query: str(rt, "threat_query"), Language: str(rt, "threat_language"),
			IndicatorPath: str(rt, "threat_indicator_path"), QueryLine: keyLine(f.Data, "rule", "threat_query")}
		for _, m := range tables(rt["threat_mapping"]) {
			var entries []struct{ Field, Value string }
			for _, e := range tables(m["entries"]) {
				entries = append(entries, struct{ Field, Value string }{str(e, "field"), str(e, "value")})
			}
			tm.Mappings = append(tm.Mappings, entries)
		}
		doc.Threat = tm
	}
	if as, ok := rt["alert_suppression"].(map[string]any); ok {
		s := &suppression{GroupBy: strs(as, "group_by"), Missing: str(as, "missing_fields_strategy")}
		if d, ok := as["duration"].(map[string]any); ok {
			s.Duration = scalar(d["value"]) + str(d, "unit")
		}
		doc.Suppression = s
	}
	if inv, ok := rt["investigation_fields"].(map[string]any); ok {
		doc.InvestigationFields = strs(inv, "field_names")
	}
	for _, fl := range tables(rt["filters"]) {
		doc.Filters = append(doc.Filters, filtersOf(fl)...)
	}
	return r, doc
}

// languageOf returns the language of a rule's query from its language key,
// else from its type.
func languageOf(language, typ string) string {
	switch strings.ToLower(language) {
	case "eql":
		return LangEQL
	case "kuery", "kql":
		return LangKuery
	case "esql", "es|ql":
		return LangESQL
	case "lucene":
		return LangLucene
	}
	switch typ {
	case "eql":
		return LangEQL
	case "esql":
		return LangESQL
	case "machine_learning":
		return LangKuery // no query: the rule's type says what it is
	}
	return LangKuery // Kibana's default query language
}

// filtersOf reads one Kibana filter: {meta: {negate, disabled...}, query:
// {match_phrase: {field: value}} | {wildcard: {field: {value}}} |
// {exists: {field}} ...}. A disabled filter is no filter.
func filtersOf(fl map[string]any) []filter {
	meta, _ := fl["meta"].(map[string]any)
	if b, _ := meta["disabled"].(bool); b {
		return nil
	}
	neg, _ := meta["negate"].(bool)
	q, _ := fl["query"].(map[string]any)
	if q == nil {
		// an older filter: the query's clauses at the top
		q = fl
	}
	var out []filter
	keys := sortedKeys(q)
	for _, kind := range keys {
		body, ok := q[kind].(map[string]any)
		if !ok {
			continue
		}
		switch kind {
		case "exists":
			out = append(out, filter{Kind: kind, Field: str(body, "field"), Negate: neg})
		case "match_phrase", "match", "term", "wildcard", "prefix":
			for _, field := range sortedKeys(body) {
				v := scalar(body[field])
				ci := false
				if inner, ok := body[field].(map[string]any); ok {
					v = scalar(inner["value"])
					if v == "" {
						v = scalar(inner["query"])
					}
					ci, _ = inner["case_insensitive"].(bool)
				}
				out = append(out, filter{Kind: kind, Field: field, Value: v, Negate: neg, CaseInsensitive: ci})
			}
		}
	}
	return out
}

// threatOf reads [[rule.threat]]: the ATT&CK techniques (subtechniques
// included) and tactics, each once, in order. Tactics are named by their
// shortnames (Command and Control is command-and-control).
func threatOf(v any) ([]rule.Technique, []string) {
	var techs []rule.Technique
	var tactics []string
	seen := map[string]bool{}
	for _, th := range tables(v) {
		if fw := str(th, "framework"); fw != "" && !strings.Contains(strings.ToUpper(fw), "ATT&CK") {
			continue
		}
		tactic := ""
		if ta, ok := th["tactic"].(map[string]any); ok {
			tactic = shortname(str(ta, "name"))
			if tactic != "" && !seen["tactic:"+tactic] {
				seen["tactic:"+tactic] = true
				tactics = append(tactics, tactic)
			}
		}
		addTech := func(id, name string) {
			id = strings.ToUpper(strings.TrimSpace(id))
			if id == "" || seen[id+"/"+tactic] {
				return
			}
			seen[id+"/"+tactic] = true
			for _, t := range techs {
				if t.ID == id {
					return
				}
			}
			techs = append(techs, rule.Technique{ID: id, Name: name, Tactic: tactic})
		}
		for _, te := range tables(th["technique"]) {
			addTech(str(te, "id"), str(te, "name"))
			for _, st := range tables(te["subtechnique"]) {
				addTech(str(st, "id"), str(st, "name"))
			}
		}
	}
	return techs, tactics
}

// shortname turns a tactic's name into ATT&CK's shortname.
func shortname(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), " ", "-")
}

// transformParams reads [transform]: each investigation query (Kibana's
// investigate providers, osquery SQL) as a parameter named by its label,
// kept raw.
func transformParams(tr map[string]any) []rule.Param {
	var out []rule.Param
	for _, kind := range sortedKeys(tr) {
		for _, q := range tables(tr[kind]) {
			p := rule.Param{Name: str(q, "label"), Kind: "transform." + kind}
			switch {
			case str(q, "query") != "":
				p.Value = str(q, "query")
			case q["providers"] != nil:
				p.Value = providersText(q["providers"])
			}
			if p.Name == "" {
				p.Name = kind
			}
			out = append(out, p)
		}
	}
	return out
}

// providersText renders investigate providers as a kuery-like text: the
// groups ORed, each group's clauses ANDed (excluded clauses negated).
func providersText(v any) string {
	groups, _ := v.([]any)
	var ors []string
	for _, g := range groups {
		var ands []string
		for _, c := range tables(g) {
			s := str(c, "field") + ": " + strconv.Quote(scalar(c["value"]))
			if b, _ := c["excluded"].(bool); b {
				s = "not " + s
			}
			ands = append(ands, s)
		}
		if len(ands) > 0 {
			ors = append(ors, "("+strings.Join(ands, " and ")+")")
		}
	}
	return strings.Join(ors, " or ")
}

// readHunt reads a hunting TOML: one rule per query of its list.
func readHunt(f *lang.File, h map[string]any) []lang.Item {
	queries := strs(h, "query")
	langs := strs(h, "language")
	base := rule.Rule{
		Platform:    Platform,
		Format:      "elastic_toml",
		UID:         str(h, "uuid"),
		Title:       strings.TrimSpace(str(h, "name")),
		Description: strings.TrimSpace(str(h, "description")),
		Authors:     strs(h, "author"),
		References:  strs(h, "references"),
		Kind:        rule.KindHunting,
		Settings:    map[string]string{},
	}
	if notes := strs(h, "notes"); len(notes) > 0 {
		base.Settings["notes"] = strings.Join(notes, "\n")
	}
	if v := strs(h, "integration"); len(v) > 0 {
		base.Settings["integration"] = strings.Join(v, ", ")
	}
	if v := str(h, "license"); v != "" {
		base.Settings["license"] = v
	}
	for _, id := range strs(h, "mitre") {
		base.Techniques = append(base.Techniques, rule.Technique{ID: strings.ToUpper(strings.TrimSpace(id))})
	}
	lines := listLines(f.Data, "hunt", "query")
	var items []lang.Item
	for i, q := range queries {
		r := base
		r.Authors = append([]string(nil), base.Authors...)
		r.Settings = map[string]string{}
		for k, v := range base.Settings {
			r.Settings[k] = v
		}
		r.Techniques = append([]rule.Technique(nil), base.Techniques...)
		r.Query = q
		if len(queries) > 1 {
			r.Variant = fmt.Sprintf("query %d", i+1)
		}
		ln := ""
		if len(langs) == len(queries) {
			ln = langs[i]
		} else if len(langs) == 1 {
			ln = langs[0]
		}
		r.Language = huntLanguage(ln, q)
		if i < len(lines) {
			r.QueryLine = lines[i]
		}
		r.Source.Line = max(r.QueryLine, 1)
		it := lang.Item{Rule: &r, Doc: &ruleDoc{Type: "hunt"}}
		if r.Language == LangSQL {
			Lower(it) // kept raw: no registered language lowers it later
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		r := base
		r.Language = LangESQL
		r.Source.Line = tableLine(f.Data, "hunt")
		r.AddDiagnostic(rule.SevWarning, r.Source.Line, 1, "hunting query file without a query")
		items = append(items, lang.Item{Rule: &r, Doc: &ruleDoc{Type: "hunt"}})
	}
	return items
}

// huntLanguage tells a hunting query's language from the file's language
// list (ES|QL, SQL, EQL, KQL...) or, when that does not say, from the
// query: osquery SQL starts with SELECT or WITH.
func huntLanguage(stated, q string) string {
	switch strings.ToLower(strings.TrimSpace(stated)) {
	case "es|ql", "esql":
		return LangESQL
	case "sql", "osquery":
		return LangSQL
	case "eql":
		return LangEQL
	case "kql", "kuery":
		return LangKuery
	case "lucene":
		return LangLucene
	}
	first := strings.ToLower(strings.TrimSpace(q))
	if strings.HasPrefix(first, "select") || strings.HasPrefix(first, "with") {
		return LangSQL
	}
	return LangESQL
}

// ---- reading values of a decoded TOML table ----

// dateStr returns the date m states under k: a string (detection-rules
// writes "2020/01/31"), or a TOML date or date-time written unquoted
// (https://toml.io/en/v1.0.0#local-date: 2020-01-31), as TOML writes it.
func dateStr(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case time.Time: // an offset date-time
		return v.Format(time.RFC3339Nano)
	case fmt.Stringer: // a local date, time or date-time (the decoder's types)
		return v.String()
	}
	return ""
}

func str(m map[string]any, k string) string {
	if m == nil {
		return ""
	}
	s, _ := m[k].(string)
	return s
}

// strs returns a string or a list of strings (other elements printed).
func strs(m map[string]any, k string) []string {
	if m == nil {
		return nil
	}
	switch v := m[k].(type) {
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s := scalar(x); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// scalar prints a TOML scalar; "" for a table or nothing.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		var parts []string
		for _, x := range v {
			if s := scalar(x); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case fmt.Stringer:
		return v.String()
	}
	return ""
}

// tables returns an array of tables (or one table) as a list.
func tables(v any) []map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any: // (the decoder's arrays, of tables too: tomldoc.Decode)
		var out []map[string]any
		for _, x := range v {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// dateOf writes detection-rules' 2020/01/31 as 2020-01-31.
func dateOf(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "/", "-") }

// lookbackRE reads a rule's from: now-9m, now-1h, now-30s.
var lookbackRE = regexp.MustCompile(`^now-(\d+)([smhdwMy])$`)

// lookback returns the time window of a from value (now-9m is 9m), or the
// value as written when it is not of that shape.
func lookback(from string) string {
	from = strings.TrimSpace(from)
	if m := lookbackRE.FindStringSubmatch(from); m != nil {
		return m[1] + m[2]
	}
	return from
}

// ---- positions of keys in the TOML text ----

// tableHeader matches a table or array-of-tables header: [a.b], [[a.b]].
var tableHeaderLineRE = regexp.MustCompile(`^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$`)

// scanKeys calls f for each line of data with the table it is in.
func scanKeys(data []byte, f func(n int, table, line string) bool) {
	table := ""
	n := 0
	open := "" // the delimiter of an open multi-line string
	for len(data) > 0 {
		n++
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		s := string(line)
		if open != "" {
			if strings.Count(s, open)%2 == 1 {
				open = ""
			}
			continue
		}
		if m := tableHeaderLineRE.FindStringSubmatch(s); m != nil && !strings.Contains(s, "=") {
			table = strings.ReplaceAll(m[1], " ", "")
			continue
		}
		if !f(n, table, s) {
			return
		}
		for _, d := range []string{`'''`, `"""`} {
			if strings.Count(s, d)%2 == 1 {
				open = d
				break
			}
		}
	}
}

// tableLine returns the line of a table's header, 1 when not found.
func tableLine(data []byte, table string) int {
	re := regexp.MustCompile(`(?m)^[ \t]*\[[ \t]*` + regexp.QuoteMeta(table) + `[ \t]*\]`)
	loc := re.FindIndex(data)
	if loc == nil {
		return 1
	}
	return bytes.Count(data[:loc[0]], []byte("\n")) + 1
}

// keyLine returns the line where the string value of table.key starts in
// the file: the line after `key = ”'` when the multi-line string starts
// with a newline (TOML drops it), else the key's line; 0 when not found.
func keyLine(data []byte, table, key string) int {
	found := 0
	scanKeys(data, func(n int, t, line string) bool {
		if t != table {
			return true
		}
		k, rest, ok := strings.Cut(line, "=")
		if !ok || strings.Trim(strings.TrimSpace(k), `"'`) != key {
			return true
		}
		rest = strings.TrimSpace(rest)
		found = n
		if rest == `'''` || rest == `"""` {
			found = n + 1
		}
		return false
	})
	return found
}

// listLines returns the first line of each string of the list table.key
// (the hunting queries), as keyLine does for one.
func listLines(data []byte, table, key string) []int {
	start := keyLine(data, table, key)
	if start == 0 {
		return nil
	}
	lines := strings.Split(string(data), "\n")
	var out []int
	open := ""
	for i := start - 1; i < len(lines); i++ {
		s := lines[i]
		if i == start-1 {
			if _, rest, ok := strings.Cut(s, "="); ok {
				s = rest
			}
		}
		j := 0
		for j < len(s) {
			if open != "" {
				k := strings.Index(s[j:], open)
				if k < 0 {
					break
				}
				j += k + len(open)
				open = ""
				continue
			}
			rest := s[j:]
			switch {
			case strings.HasPrefix(rest, `'''`), strings.HasPrefix(rest, `"""`):
				open = rest[:3]
				j += 3
				if strings.TrimSpace(s[j:]) == "" {
					out = append(out, i+2)
				} else {
					out = append(out, i+1)
				}
				continue
			case rest[0] == '"' || rest[0] == '\'':
				out = append(out, i+1)
				q := rest[0]
				k := 1
				for k < len(rest) && rest[k] != q {
					if rest[k] == '\\' && q == '"' {
						k++
					}
					k++
				}
				j += k + 1
				continue
			case rest[0] == ']':
				return out
			case rest[0] == '#':
				j = len(s)
				continue
			}
			j++
		}
	}
	return out
}
