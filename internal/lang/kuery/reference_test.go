package kuery

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

// The reference is what Kibana's own KQL grammar (grammar.peggy compiled
// with peggy) says of every kuery query of the corpus and of 1,500 mutated
// ones: ../shared/corpus/elastic-reference (its README.md).

type refPredicate struct {
	Kind          string `json:"kind"`
	Field         string `json:"field"`
	FieldWildcard bool   `json:"field_wildcard"`
	Value         any    `json:"value"`
	Quoted        bool   `json:"quoted"`
	Wildcard      bool   `json:"wildcard"`
	ValueType     string `json:"value_type"`
	Op            string `json:"op"`
	Negated       bool   `json:"negated"`
	Nested        any    `json:"nested"`
}

type refQuery struct {
	Path      string `json:"path"`
	Query     string `json:"query"`
	Reference struct {
		OK         bool           `json:"ok"`
		AST        any            `json:"ast"`
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

// refForm prints a reference predicate in one line.
func (p refPredicate) String() string {
	nested := ""
	if s, ok := p.Nested.(string); ok {
		nested = " nested=" + s
	}
	if p.Kind == "range" {
		return fmt.Sprintf("range %s %s %v neg=%v%s", p.Field, p.Op, p.Value, p.Negated, nested)
	}
	return fmt.Sprintf("%s %s fw=%v %s=%#v q=%v w=%v neg=%v%s", p.Kind, p.Field, p.FieldWildcard, p.ValueType, p.Value,
		p.Quoted, p.Wildcard, p.Negated, nested)
}

var rangeOpNames = map[Kind]string{Lt: "lt", Le: "lte", Gt: "gt", Ge: "gte"}

// asRef turns a predicate into the reference's form.
func asRef(p Predicate) refPredicate {
	var nested any
	if p.Nested != "" {
		nested = p.Nested
	}
	if p.Kind == PredRange {
		return refPredicate{Kind: "range", Field: p.Field, Op: rangeOpNames[p.Op], Value: p.Value, Negated: p.Negated, Nested: nested}
	}
	r := refPredicate{Kind: p.Kind.String(), Field: p.Field, FieldWildcard: p.FieldWildcard, Quoted: p.Quoted,
		Wildcard: p.Wildcard(), ValueType: "string", Negated: p.Negated, Nested: nested}
	switch {
	case p.Kind == PredExists:
	case p.Type == LitTrue:
		r.Value, r.ValueType = true, "boolean"
	case p.Type == LitFalse:
		r.Value, r.ValueType = false, "boolean"
	case p.Type == LitNull:
		r.ValueType = "null"
	default:
		r.Value = p.Value
	}
	return r
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

// TestReference compares the parser with Kibana's grammar on every kuery
// query of the corpus: acceptance, fields and predicates.
func TestReference(t *testing.T) {
	refs := testcorpus.ReadJSONL[refQuery](t, "kuery.jsonl")
	var refOK, bothOK, sameFields, samePreds int
	var diffs []string
	for _, r := range refs {
		q, errs := Parse([]byte(r.Query))
		ok := len(errs) == 0
		if !r.Reference.OK {
			if ok {
				diffs = append(diffs, fmt.Sprintf("accepted, Kibana rejects: %s: %s", r.Path, short(r.Query)))
			}
			continue
		}
		refOK++
		if !ok {
			diffs = append(diffs, fmt.Sprintf("rejected, Kibana accepts: %s: %v", r.Path, errs[0]))
			continue
		}
		bothOK++
		fields := Fields(q)
		want := slices.Clone(r.Reference.Fields)
		slices.Sort(want)
		if slices.Equal(fields, want) {
			sameFields++
		} else {
			diffs = append(diffs, fmt.Sprintf("fields differ: %s:\n\tgot  %q\n\twant %q", r.Path, fields, want))
		}
		got := Predicates(q)
		same := len(got) == len(r.Reference.Predicates)
		first := -1
		for i := 0; same && i < len(got); i++ {
			if a, b := asRef(got[i]).String(), r.Reference.Predicates[i].String(); a != b {
				same, first = false, i
			}
		}
		if same {
			samePreds++
		} else if first >= 0 {
			diffs = append(diffs, fmt.Sprintf("predicate %d differs: %s:\n\tgot  %s\n\twant %s", first, r.Path,
				asRef(got[first]), r.Reference.Predicates[first]))
		} else {
			diffs = append(diffs, fmt.Sprintf("%d predicates, Kibana %d: %s", len(got), len(r.Reference.Predicates), r.Path))
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	t.Logf("corpus: %d queries, Kibana accepts %d, of which ruledex accepts %d (%.2f%%)", len(refs), refOK, bothOK, pct(bothOK, refOK))
	t.Logf("same fields: %d of %d (%.2f%%); same predicates: %d of %d (%.2f%%)",
		sameFields, bothOK, pct(sameFields, bothOK), samePreds, bothOK, pct(samePreds, bothOK))
	for i, d := range diffs {
		if i == 20 {
			t.Logf("... and %d more differences", len(diffs)-i)
			break
		}
		t.Log(d)
	}
	if pct(bothOK, refOK) < 99.5 {
		t.Errorf("accepts %.2f%% of what Kibana accepts, want at least 99.5%%", pct(bothOK, refOK))
	}
	if pct(sameFields, bothOK) < 99 {
		t.Errorf("same fields for %.2f%%, want at least 99%%", pct(sameFields, bothOK))
	}
	if pct(samePreds, bothOK) < 98 {
		t.Errorf("same predicates for %.2f%%, want at least 98%%", pct(samePreds, bothOK))
	}
}

// TestReferenceMutants compares acceptance on the mutated queries, and for
// those both reject, the place of the first error.
func TestReferenceMutants(t *testing.T) {
	muts := testcorpus.ReadJSONL[refMutant](t, "mutants-kuery.jsonl")
	var acc, accBoth, rej, rejBoth, samePlace int
	var diffs []string
	for _, m := range muts {
		q, errs := Parse([]byte(m.Query))
		ok := len(errs) == 0
		checkSpans(t, "mutant", q)
		if m.OK {
			acc++
			if ok {
				accBoth++
			} else {
				diffs = append(diffs, fmt.Sprintf("rejected, Kibana accepts: %v: %s", errs[0], short(m.Query)))
			}
			continue
		}
		rej++
		if ok {
			diffs = append(diffs, fmt.Sprintf("accepted, Kibana rejects (%d:%d %s): %s", m.Error.Line, m.Error.Column,
				m.Error.Message, short(m.Query)))
			continue
		}
		rejBoth++
		if errs[0].Line == m.Error.Line && errs[0].Col == m.Error.Column {
			samePlace++
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	t.Logf("mutants: %d; Kibana accepts %d, ruledex too %d (%.2f%%); Kibana rejects %d, ruledex too %d (%.2f%%), the first error at Kibana's line:col for %d (%.2f%%)",
		len(muts), acc, accBoth, pct(accBoth, acc), rej, rejBoth, pct(rejBoth, rej), samePlace, pct(samePlace, rejBoth))
	for i, d := range diffs {
		if i == 20 {
			t.Logf("... and %d more differences", len(diffs)-i)
			break
		}
		t.Log(d)
	}
	if pct(accBoth, acc) < 95 {
		t.Errorf("accepts %.2f%% of the mutants Kibana accepts, want at least 95%%", pct(accBoth, acc))
	}
	if pct(rejBoth, rej) < 95 {
		t.Errorf("rejects %.2f%% of the mutants Kibana rejects, want at least 95%%", pct(rejBoth, rej))
	}
	if pct(samePlace, rejBoth) < 95 {
		t.Errorf("the first error at Kibana's place for %.2f%% of the mutants both reject, want at least 95%%", pct(samePlace, rejBoth))
	}
}

// kibanaWildcard is the marker Kibana's wildcard node puts for each `*`.
const kibanaWildcard = "@kuery-wildcard@"

// kibanaNode turns a literal into Kibana's KueryNode literal or wildcard
// node, in the reference's JSON form.
func kibanaNode(l *Literal) any {
	if l.Wildcard() {
		var b strings.Builder
		last := 0
		for _, s := range l.Stars {
			b.WriteString(l.Value[last:s])
			b.WriteString(kibanaWildcard)
			last = s + 1
		}
		b.WriteString(l.Value[last:])
		return map[string]any{"type": "wildcard", "value": b.String()}
	}
	m := map[string]any{"type": "literal", "value": l.Value}
	switch l.Type {
	case LitTrue:
		m["value"] = true
	case LitFalse:
		m["value"] = false
	case LitNull:
		m["value"] = nil
	}
	if l.Quoted {
		m["isQuoted"] = true
	}
	return m
}

func kibanaFunc(name string, args ...any) any {
	return map[string]any{"type": "function", "function": name, "arguments": args}
}

var kibanaRangeOps = map[Kind]string{Lt: "lt", Le: "lte", Gt: "gt", Ge: "gte"}

// kibanaAST turns a tree into Kibana's KueryNode tree: groups dropped, the
// field of a value list given to each value.
func kibanaAST(x Expr) any {
	switch x := x.(type) {
	case *BoolExpr:
		args := make([]any, len(x.Args))
		for i, a := range x.Args {
			args[i] = kibanaAST(a)
		}
		return kibanaFunc(x.Op.String(), args...)
	case *NotExpr:
		return kibanaFunc("not", kibanaAST(x.X))
	case *ParenExpr:
		return kibanaAST(x.X)
	case *Nested:
		return kibanaFunc("nested", kibanaNode(x.Field), kibanaAST(x.X))
	case *Range:
		return kibanaFunc("range", kibanaNode(x.Field), kibanaRangeOps[x.Op], kibanaNode(x.Value))
	case *Match:
		field := any(map[string]any{"type": "literal", "value": nil})
		if x.Field != nil {
			field = kibanaNode(x.Field)
		}
		var values func(v ValueExpr) any
		values = func(v ValueExpr) any {
			switch v := v.(type) {
			case *Literal:
				return kibanaFunc("is", field, kibanaNode(v))
			case *ValueBool:
				args := make([]any, len(v.Args))
				for i, a := range v.Args {
					args[i] = values(a)
				}
				return kibanaFunc(v.Op.String(), args...)
			case *ValueNot:
				return kibanaFunc("not", values(v.X))
			case *ValueGroup:
				return values(v.X)
			}
			return nil
		}
		return values(x.Value)
	}
	return nil
}

// TestReferenceAST compares the tree, in Kibana's KueryNode form, with the
// tree Kibana's grammar builds, for every corpus query.
func TestReferenceAST(t *testing.T) {
	refs := testcorpus.ReadJSONL[refQuery](t, "kuery.jsonl")
	same, n := 0, 0
	for _, r := range refs {
		q, errs := Parse([]byte(r.Query))
		if !r.Reference.OK || len(errs) > 0 || q.X == nil {
			continue
		}
		n++
		got, _ := json.Marshal(kibanaAST(q.X))
		want, _ := json.Marshal(r.Reference.AST)
		if string(got) == string(want) {
			same++
		} else if n-same <= 5 {
			t.Errorf("%s: the tree differs from Kibana's:\n got  %.600s\n want %.600s", r.Path, got, want)
		}
	}
	t.Logf("the same KueryNode tree as Kibana's grammar for %d of %d queries", same, n)
}
