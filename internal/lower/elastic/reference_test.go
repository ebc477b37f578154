package lowerelastic_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// The differential test of the lowering against the answers of Elastic's
// own parsers (../shared/corpus/elastic-reference, its README.md): for
// each corpus query the reference accepts, the predicates the reference
// reads, put in the model's terms by Elastic's documented semantics (below,
// written apart from the lowering), against the predicates of the lowered
// rule: field, kind, values, case sensitivity, negation (and, where the
// language has them, wildcards).

type refPred struct {
	Kind            string `json:"kind"`
	Left            string `json:"left"`
	Field           *string
	Op              string `json:"op"`
	Name            string `json:"name"`
	Args            []string
	Values          []any `json:"values"`
	Value           any   `json:"value"`
	CaseInsensitive bool  `json:"case_insensitive"`
	Wildcard        bool  `json:"wildcard"`
	Regex           bool  `json:"regex"`
	Negated         bool  `json:"negated"`
	Quoted          bool  `json:"quoted"`
	FieldWildcard   bool  `json:"field_wildcard"`
	ValueType       string
}

type refLine struct {
	Path      string `json:"path"`
	Query     string `json:"query"`
	Reference struct {
		OK         bool      `json:"ok"`
		Predicates []refPred `json:"predicates"`
	} `json:"reference"`
}

// modelPred is a predicate in the terms compared.
type modelPred struct {
	Field    string   `json:"field"`
	Kind     string   `json:"kind"`
	Values   []string `json:"values"`
	Cased    bool     `json:"case_sensitive"`
	Negated  bool     `json:"negated"`
	Wildcard bool     `json:"wildcards"`
}

func (p modelPred) key() string {
	p.Field = normField(p.Field)
	if p.Values == nil {
		p.Values = []string{}
	}
	if p.Kind == rule.OpExists || !hasLetters(p.Values) {
		p.Cased = true // case says nothing without letters
	}
	b, _ := json.Marshal(p)
	return string(b)
}

func hasLetters(vs []string) bool {
	for _, v := range vs {
		if strings.ContainsAny(strings.ToLower(v), "abcdefghijklmnopqrstuvwxyz") {
			return true
		}
	}
	return false
}

// normField compares non-field operands (a call, arithmetic) as written,
// without white space and case.
func normField(f string) string {
	f = strings.TrimPrefix(f, "?")
	if strings.ContainsAny(f, "( ") {
		f = strings.ToLower(strings.Join(strings.Fields(f), ""))
	}
	return f
}

func refValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func refValues(vs []any) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, refValue(v))
	}
	return out
}

// eqlModel puts an EQL reference predicate in the model's terms, by
// https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html:
// == and != case-sensitive and literal, != the negation of ==, == null and
// != null (not) existence; in case-sensitive, in~ not; : case-insensitive
// with wildcards, like (like~) wildcards case-sensitive (not), regex
// (regex~) regular expressions; the string functions (startsWith,
// endsWith, stringContains, wildcard, cidrMatch, match) tests of their
// first argument, case-insensitive in their ~ form. Other functions
// compute values and are no predicate of their own.
func eqlModel(p refPred) (modelPred, bool) {
	m := modelPred{Field: p.Left, Negated: p.Negated, Cased: !p.CaseInsensitive, Values: refValues(p.Values)}
	switch p.Kind {
	case "comparison":
		m.Cased = true
		switch p.Op {
		case "==", "!=":
			if len(p.Values) == 1 && p.Values[0] == nil {
				m.Kind, m.Values = rule.OpExists, nil
				if p.Op == "==" {
					m.Negated = !m.Negated
				}
				return m, true
			}
			m.Kind = rule.OpEq
			if p.Op == "!=" {
				m.Negated = !m.Negated
			}
		case "<":
			m.Kind = rule.OpLt
		case "<=":
			m.Kind = rule.OpLe
		case ">":
			m.Kind = rule.OpGt
		case ">=":
			m.Kind = rule.OpGe
		default:
			return m, false
		}
	case "in":
		m.Kind = rule.OpIn
	case "string_predicate":
		m.Kind, m.Wildcard = rule.OpEq, p.Wildcard
		if p.Regex {
			m.Kind, m.Wildcard = rule.OpRegex, false
		}
	case "function":
		name := strings.ToLower(strings.TrimSuffix(p.Name, "~"))
		kinds := map[string]string{"startswith": rule.OpStartsWith, "endswith": rule.OpEndsWith, "stringcontains": rule.OpContains,
			"wildcard": rule.OpEq, "cidrmatch": rule.OpCIDR, "match": rule.OpRegex}
		k, ok := kinds[name]
		if !ok || len(p.Args) < 2 {
			return m, false
		}
		m.Kind, m.Field, m.Wildcard = k, p.Args[0], name == "wildcard"
		m.Cased = !strings.HasSuffix(p.Name, "~") || k == rule.OpCIDR
		// the values are the arguments after the first: a literal's value
		// (the reference's values hold the literals of every argument,
		// nested ones included), another argument as written
		m.Values = nil
		for _, a := range p.Args[1:] {
			m.Values = append(m.Values, eqlArg(a))
		}
	default:
		return m, false
	}
	return m, true
}

// eqlArg returns a function argument as the model holds it: a string
// literal decoded ("..." with EQL's escapes, raw """..."""), a number or
// another operand as written.
func eqlArg(a string) string {
	a = strings.TrimSpace(a)
	if strings.HasPrefix(a, `"""`) && strings.HasSuffix(a, `"""`) && len(a) >= 6 {
		return a[3 : len(a)-3]
	}
	if strings.HasPrefix(a, `"`) {
		if s, err := strconv.Unquote(a); err == nil {
			return s
		}
	}
	return a
}

// kueryModel puts a kuery reference predicate in the model's terms, by
// https://www.elastic.co/docs/reference/query-languages/kql: field:value
// an exact, case-sensitive equality on keyword fields, * a wildcard (the
// pattern in Elasticsearch's wildcard syntax: ? and \ escaped), field:*
// existence, a range a comparison, free text a case-insensitive keyword.
func kueryModel(p refPred) (modelPred, bool) {
	field := ""
	if p.Field != nil {
		field = *p.Field
	}
	m := modelPred{Field: field, Negated: p.Negated, Cased: true}
	switch p.Kind {
	case "exists":
		m.Kind = rule.OpExists
	case "range":
		m.Kind = map[string]string{"lt": rule.OpLt, "lte": rule.OpLe, "gt": rule.OpGt, "gte": rule.OpGe}[p.Op]
		m.Values = []string{refValue(p.Value)}
	case "is":
		v := refValue(p.Value)
		if p.Wildcard {
			v = strings.NewReplacer(`\`, `\\`, `?`, `\?`).Replace(v)
			m.Wildcard = true
		}
		m.Kind, m.Values = rule.OpEq, []string{v}
		if p.Field == nil {
			m.Kind, m.Cased = rule.OpKeyword, false
		} else if f := *p.Field; f == "message" || f == "error.message" || f == "powershell.file.script_block_text" || strings.HasSuffix(f, ".text") {
			// an analysed text field of ECS (message, .text multi-fields)
			// or of the Windows integration (the script block text): its
			// terms, in any case
			m.Cased = false
			if !p.Wildcard {
				m.Kind = rule.OpHas
			}
		} else if _, _, err := net.ParseCIDR(v); err == nil && !p.Wildcard {
			// a network on an ip field: Elasticsearch matches its addresses
			// (https://www.elastic.co/docs/reference/elasticsearch/mapping-reference/ip#query-ip-fields)
			m.Kind = rule.OpCIDR
		}
	default:
		return m, false
	}
	return m, true
}

// esqlModel puts an ES|QL reference predicate in the model's terms, by
// https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-functions-operators.html:
// ==, !=, IN, LIKE and RLIKE exact and case-sensitive (of TO_LOWER(x) or
// TO_UPPER(x): x, ignoring case), != the negation of ==, LIKE a wildcard
// pattern, RLIKE a regular expression, IS NOT NULL existence, : a
// full-text match (analysed: the model's has, ignoring case).
func esqlModel(p refPred) (modelPred, bool) {
	// `a`.b names a.b: backquotes quote a part of the name
	m := modelPred{Field: strings.ReplaceAll(p.Left, "`", ""), Negated: p.Negated, Cased: true, Values: refValues(p.Values)}
	low := strings.ToLower(m.Field)
	for _, fn := range []string{"to_lower(", "to_upper("} {
		if strings.HasPrefix(low, fn) && strings.HasSuffix(m.Field, ")") && !strings.ContainsAny(m.Field[len(fn):len(m.Field)-1], "(,") {
			m.Field, m.Cased = strings.TrimSpace(m.Field[len(fn):len(m.Field)-1]), false
		}
	}
	switch p.Kind {
	case "comparison":
		switch p.Op {
		case "==":
			m.Kind = rule.OpEq
		case "!=":
			m.Kind, m.Negated = rule.OpEq, !m.Negated
		case "<":
			m.Kind = rule.OpLt
		case "<=":
			m.Kind = rule.OpLe
		case ">":
			m.Kind = rule.OpGt
		case ">=":
			m.Kind = rule.OpGe
		default:
			return m, false
		}
	case "in":
		m.Kind = rule.OpIn
	case "like":
		m.Kind, m.Wildcard = rule.OpEq, true
	case "rlike":
		m.Kind = rule.OpRegex
	case "is_null":
		m.Kind, m.Values = rule.OpExists, nil
		if p.Op == "IS NULL" {
			m.Negated = !m.Negated
		}
	case "match":
		m.Kind, m.Cased = rule.OpHas, false
	default:
		return m, false
	}
	return m, true
}

// queryPredicates returns the predicates the lowering read from a rule's
// query: the stages of the query itself, not the event category of an EQL
// event query (`process where`: the reference lists it apart), nor the
// stages of the rule's type, nor a KQL("...") inside ES|QL (the reference
// does not read it).
func queryPredicates(r *rule.Rule) []modelPred {
	var out []modelPred
	for _, st := range r.Stages {
		switch st.Kind {
		case "source", "filter", "threshold", "new_terms", "threat_match", "suppress", "machine_learning", "sequence", "sample":
			continue
		}
		for _, p := range st.Predicates {
			if strings.HasSuffix(p.Text, " where") && p.Kind == rule.OpEq && len(p.Values) == 1 && p.Text == p.Values[0]+" where" {
				continue
			}
			out = append(out, modelPred{Field: p.Field, Kind: p.Kind, Values: p.Values, Cased: p.CaseSensitive, Negated: p.Negated, Wildcard: p.Wildcards})
		}
	}
	return out
}

func TestReferencePredicates(t *testing.T) {
	results := readElastic(t)
	rules := map[string]*rule.Rule{}
	for _, res := range results {
		for _, r := range res.Rules {
			rules[res.Path] = r
		}
	}
	for _, tc := range []struct {
		file  string
		model func(refPred) (modelPred, bool)
	}{
		{"eql.jsonl", eqlModel},
		{"kuery.jsonl", kueryModel},
		{"esql.jsonl", esqlModel},
	} {
		t.Run(strings.TrimSuffix(tc.file, ".jsonl"), func(t *testing.T) {
			entries := testcorpus.ReadJSONL[refLine](t, tc.file)
			total, matched, queries, same, missing := 0, 0, 0, 0, 0
			type diff struct {
				path  string
				n     int
				lines []string
			}
			var diffs []diff
			for _, e := range entries {
				if !e.Reference.OK {
					continue
				}
				r := rules[e.Path]
				if r == nil || r.Query != e.Query {
					missing++
					continue
				}
				queries++
				ours := map[string]int{}
				for _, p := range queryPredicates(r) {
					ours[p.key()]++
				}
				var only []string
				for _, rp := range e.Reference.Predicates {
					m, ok := tc.model(rp)
					if !ok {
						continue
					}
					total++
					k := m.key()
					if ours[k] > 0 {
						ours[k]--
						matched++
					} else {
						only = append(only, "reference "+k)
					}
				}
				for k, n := range ours {
					for ; n > 0; n-- {
						total++
						only = append(only, "ruledex   "+k)
					}
				}
				if len(only) == 0 {
					same++
				} else {
					sort.Strings(only)
					diffs = append(diffs, diff{e.Path, len(only), only})
				}
			}
			rate := 100 * float64(matched) / float64(max(total, 1))
			t.Logf("%s: %d queries (%d not found as rules); predicates agree %d of %d (%.2f%%); queries with the same predicates %d of %d",
				tc.file, queries, missing, matched, total, rate, same, queries)
			sort.SliceStable(diffs, func(i, j int) bool { return diffs[i].n > diffs[j].n })
			for i, d := range diffs {
				if i == 8 {
					break
				}
				lines := d.lines
				if len(lines) > 6 {
					lines = append(lines[:6:6], fmt.Sprintf("... %d more", len(d.lines)-6))
				}
				t.Logf("  %s (%d differences)\n      %s", d.path, d.n, strings.Join(lines, "\n      "))
			}
			if missing > 0 {
				t.Errorf("%d reference queries are not the query of a rule read", missing)
			}
			if rate < 98 {
				t.Errorf("predicates agree %.2f%%, want at least 98%%", rate)
			}
		})
	}
}

// TestReferenceEventCategories: each EQL query's event categories (the
// `process` of `process where`), as the lowering gives them (the source of
// each event stage), against the reference's event_types.
func TestReferenceEventCategories(t *testing.T) {
	results := readElastic(t)
	rules := map[string]*rule.Rule{}
	for _, res := range results {
		for _, r := range res.Rules {
			rules[res.Path] = r
		}
	}
	type line struct {
		Path      string `json:"path"`
		Reference struct {
			OK         bool     `json:"ok"`
			EventTypes []string `json:"event_types"`
		} `json:"reference"`
	}
	n, same := 0, 0
	var diffs []string
	for _, e := range testcorpus.ReadJSONL[line](t, "eql.jsonl") {
		r := rules[e.Path]
		if !e.Reference.OK || r == nil {
			continue
		}
		n++
		set := map[string]bool{}
		for _, st := range r.Stages {
			switch st.Kind {
			case "where", "step", "missing", "until":
				if st.Source != "" {
					set[st.Source] = true
				}
			}
		}
		var got []string
		for c := range set {
			got = append(got, c)
		}
		sort.Strings(got)
		want := append([]string(nil), e.Reference.EventTypes...)
		sort.Strings(want)
		if strings.Join(got, ",") == strings.Join(want, ",") {
			same++
		} else if len(diffs) < 10 {
			diffs = append(diffs, fmt.Sprintf("%s: ruledex %v, reference %v", e.Path, got, want))
		}
	}
	rate := 100 * float64(same) / float64(max(n, 1))
	t.Logf("event categories: the same for %d of %d queries (%.2f%%)", same, n, rate)
	for _, d := range diffs {
		t.Logf("  %s", d)
	}
	if rate < 99 {
		t.Errorf("the same event categories for %.2f%% of the queries, want at least 99%%", rate)
	}
}
