package eql

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// The reference is what the eql Python package (as elastic/detection-rules
// runs it) says of every EQL query of the corpus, and of 1,000 mutated
// queries: ../shared/corpus/elastic-reference (its README.md).

type refPredicate struct {
	Kind            string  `json:"kind"`
	Left            *string `json:"left"`
	Op              *string `json:"op"`
	Name            *string `json:"name"`
	Args            []string
	Values          []any `json:"values"`
	CaseInsensitive *bool `json:"case_insensitive"`
	Wildcard        *bool `json:"wildcard"`
	Regex           *bool `json:"regex"`
	Negated         *bool `json:"negated"`
	Where           string
}

type refEntry struct {
	Path      string `json:"path"`
	Query     string `json:"query"`
	Reference struct {
		OK         bool           `json:"ok"`
		Fields     []string       `json:"fields"`
		Predicates []refPredicate `json:"predicates"`
	} `json:"reference"`
}

type refMutant struct {
	Query string `json:"query"`
	OK    bool   `json:"ok"`
	Error *struct {
		Message string `json:"message"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
	} `json:"error"`
}

func accepted(src string) (*Query, bool) {
	q, errs := Parse([]byte(src))
	return q, !errs.HasErrors()
}

func TestReferenceAcceptance(t *testing.T) {
	entries := testcorpus.ReadJSONL[refEntry](t, "eql.jsonl")
	refOK, both := 0, 0
	var worst []string
	for _, e := range entries {
		if !e.Reference.OK {
			continue
		}
		refOK++
		if _, ok := accepted(e.Query); ok {
			both++
		} else if len(worst) < 10 {
			_, errs := Parse([]byte(e.Query))
			worst = append(worst, fmt.Sprintf("%s: %v", e.Path, errs.Err()))
		}
	}
	rate := 100 * float64(both) / float64(max(refOK, 1))
	t.Logf("corpus: the reference accepts %d of %d queries; ruledex accepts %d of those (%.2f%%)", refOK, len(entries), both, rate)
	for _, w := range worst {
		t.Logf("  rejected: %s", w)
	}
	if rate < 99.5 {
		t.Errorf("ruledex accepts %.2f%% of what the reference accepts, want at least 99.5%%", rate)
	}
}

func TestReferenceMutants(t *testing.T) {
	ms := testcorpus.ReadJSONL[refMutant](t, "mutants-eql.jsonl")
	var rej, rejBoth, acc, accBoth int
	var falseAccept, falseReject []string
	for _, m := range ms {
		_, ok := accepted(m.Query)
		if m.OK {
			acc++
			if ok {
				accBoth++
			} else {
				_, errs := Parse([]byte(m.Query))
				falseReject = append(falseReject, fmt.Sprintf("%v\n    %s", errs.Err(), excerpt(m.Query, errs)))
			}
		} else {
			rej++
			if !ok {
				rejBoth++
			} else {
				at := ""
				if m.Error != nil {
					at = fmt.Sprintf("reference: %d:%d %s", m.Error.Line+1, m.Error.Column+1, m.Error.Message)
					at += "\n    " + lineAround(m.Query, m.Error.Line, m.Error.Column)
				}
				falseAccept = append(falseAccept, at)
			}
		}
	}
	rejRate := 100 * float64(rejBoth) / float64(max(rej, 1))
	accRate := 100 * float64(accBoth) / float64(max(acc, 1))
	t.Logf("mutants: the reference rejects %d, ruledex rejects %d of those (%.2f%%); the reference accepts %d, ruledex accepts %d of those (%.2f%%)",
		rej, rejBoth, rejRate, acc, accBoth, accRate)
	for i, s := range falseAccept {
		if i == 15 {
			break
		}
		t.Logf("  accepted, the reference rejects: %s", s)
	}
	for i, s := range falseReject {
		if i == 15 {
			break
		}
		t.Logf("  rejected, the reference accepts: %s", s)
	}
	if rejRate < 95 {
		t.Errorf("ruledex rejects %.2f%% of the mutants the reference rejects, want at least 95%%", rejRate)
	}
	if accRate < 95 {
		t.Errorf("ruledex accepts %.2f%% of the mutants the reference accepts, want at least 95%%", accRate)
	}
}

func lineAround(src string, line, col int) string {
	lines := strings.Split(src, "\n")
	if line < 0 || line >= len(lines) {
		return ""
	}
	l := []rune(lines[line])
	a, b := max(0, col-50), min(len(l), col+30)
	if a > b {
		return ""
	}
	return string(l[a:b])
}

func excerpt(src string, errs interface{ Error() string }) string {
	_, list := Parse([]byte(src))
	if len(list) == 0 {
		return ""
	}
	return lineAround(src, list[0].Line-1, list[0].Col-1)
}

func TestReferenceFields(t *testing.T) {
	entries := testcorpus.ReadJSONL[refEntry](t, "eql.jsonl")
	n, same := 0, 0
	var diffs []string
	for _, e := range entries {
		if !e.Reference.OK {
			continue
		}
		q, ok := accepted(e.Query)
		if !ok {
			continue
		}
		n++
		got := Fields(q)
		sort.Strings(got)
		want := append([]string(nil), e.Reference.Fields...)
		sort.Strings(want)
		if reflect.DeepEqual(got, want) || len(got) == 0 && len(want) == 0 {
			same++
		} else if len(diffs) < 10 {
			diffs = append(diffs, fmt.Sprintf("%s: ruledex only %v, reference only %v", e.Path, minus(got, want), minus(want, got)))
		}
	}
	rate := 100 * float64(same) / float64(max(n, 1))
	t.Logf("fields: the same field set for %d of %d queries (%.2f%%)", same, n, rate)
	for _, d := range diffs {
		t.Logf("  %s", d)
	}
	if rate < 99 {
		t.Errorf("the same field set for %.2f%% of the queries, want at least 99%%", rate)
	}
}

func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

// canonPredicate renders a predicate with only the keys the reference
// gives for its kind, numbers as float64 (JSON's), for comparison.
func canonRef(p refPredicate) string {
	m := map[string]any{"kind": p.Kind, "values": normValues(p.Values), "negated": deref(p.Negated), "where": p.Where,
		"case_insensitive": deref(p.CaseInsensitive)}
	if p.Kind == "function" {
		m["name"] = *p.Name
		m["args"] = p.Args
	} else {
		m["left"] = *p.Left
		m["op"] = *p.Op
	}
	if p.Kind == "string_predicate" {
		m["wildcard"] = deref(p.Wildcard)
		m["regex"] = deref(p.Regex)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func canonOurs(p Predicate) string {
	m := map[string]any{"kind": p.Kind, "values": normValues(p.Values), "negated": p.Negated, "where": p.Where,
		"case_insensitive": p.CaseInsensitive}
	if p.Kind == "function" {
		m["name"] = p.Name
		m["args"] = p.Args
	} else {
		m["left"] = p.Left
		m["op"] = p.Op
	}
	if p.Kind == "string_predicate" {
		m["wildcard"] = p.Wildcard
		m["regex"] = p.Regex
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func deref(b *bool) bool { return b != nil && *b }

func normValues(vs []any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		switch v := v.(type) {
		case int64:
			out[i] = float64(v)
		case float64:
			if v == math.Trunc(v) {
				out[i] = v
			} else {
				out[i] = v
			}
		default:
			out[i] = v
		}
	}
	if out == nil {
		out = []any{}
	}
	return out
}

func TestReferencePredicates(t *testing.T) {
	entries := testcorpus.ReadJSONL[refEntry](t, "eql.jsonl")
	total, matched, queries, sameQueries := 0, 0, 0, 0
	signFault := map[string]int{}
	var diffs []string
	for _, e := range entries {
		if !e.Reference.OK {
			continue
		}
		q, ok := accepted(e.Query)
		if !ok {
			continue
		}
		queries++
		ours := map[string]int{}
		for _, p := range Predicates(q) {
			ours[canonOurs(p)]++
			// A known fault of the reference: it reads the number under a
			// sign, so substring(user.name, 0, -1) has the values [0, 1]. The
			// value written is -1 (a signed number: the eql grammar's
			// `value: SIGN? atom`, and Elastic's
			// https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-function-ref.html#eql-fn-substring,
			// "substring(..., 0, -1)" counting from the end). Such a
			// predicate is counted apart, matched with its signs dropped.
			if signed := unsign(p); signed != nil {
				ours[canonOurs(*signed)]++
				ours[canonOurs(p)]--
				signFault[e.Path]++
			}
		}
		var only []string
		n := 0
		for _, p := range e.Reference.Predicates {
			c := canonRef(p)
			total++
			if ours[c] > 0 {
				ours[c]--
				matched++
				n++
			} else {
				only = append(only, "reference "+c)
			}
		}
		extra := 0
		for c, k := range ours {
			for ; k > 0; k-- {
				extra++
				only = append(only, "ruledex   "+c)
			}
		}
		total += extra
		if n == len(e.Reference.Predicates) && extra == 0 {
			sameQueries++
		} else if len(diffs) < 12 {
			sort.Strings(only)
			diffs = append(diffs, e.Path+"\n      "+strings.Join(only, "\n      "))
		}
	}
	rate := 100 * float64(matched) / float64(max(total, 1))
	t.Logf("predicates: %d of %d agree (%.2f%%); queries with the same predicates: %d of %d", matched, total, rate, sameQueries, queries)
	faults := 0
	var paths []string
	for path, n := range signFault {
		faults += n
		paths = append(paths, path)
	}
	sort.Strings(paths)
	t.Logf("  of those, %d predicates (in %d queries: %s) agree only with the reference's fault of dropping the sign of -1 (ruledex says -1)",
		faults, len(paths), strings.Join(paths, ", "))
	for _, d := range diffs {
		t.Logf("  %s", d)
	}
	if rate < 98 {
		t.Errorf("predicates agree %.2f%%, want at least 98%%", rate)
	}
}

// unsign returns p with its negative numbers made positive, when it has
// any, as the reference writes them.
func unsign(p Predicate) *Predicate {
	changed := false
	vs := make([]any, len(p.Values))
	for i, v := range p.Values {
		switch n := v.(type) {
		case int64:
			if n < 0 {
				v, changed = -n, true
			}
		case float64:
			if n < 0 {
				v, changed = -n, true
			}
		}
		vs[i] = v
	}
	if !changed {
		return nil
	}
	q := p
	q.Values = vs
	return &q
}
