package lowerelastic

import (
	"net"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
	"github.com/ruledex/ruledex/internal/lang/kuery"
	"github.com/ruledex/ruledex/internal/lang/lucene"
	"github.com/ruledex/ruledex/internal/rule"
)

// kuery lowers a kuery query into one stage of kind: every field:value is
// an exact, case-sensitive equality (keyword fields, ECS's usual mapping),
// a value with * a wildcard pattern, field:* an existence test, a range a
// comparison, free text a case-insensitive keyword search (analysed).
func (l *lowering) kuery(src string, out *[]rule.Stage, kind string) diag.ErrorList {
	q, errs := kuery.Parse([]byte(src))
	if q == nil {
		return errs
	}
	st := stageAt(kind, src, diag.Span{Start: 0, End: len(src)})
	l.kueryPreds(&st, q)
	*out = append(*out, st)
	l.ops = append(l.ops, kind)
	return errs
}

// unquoteRangeOps writes a range's operator as kuery does, not quoted.
var unquoteRangeOps = strings.NewReplacer(`"<"`, "<", `"<="`, "<=", `">"`, ">", `">="`, ">=")

// kueryPreds adds the tests of a kuery tree to st.
func (l *lowering) kueryPreds(st *rule.Stage, root kuery.Node) {
	l.fields = append(l.fields, kuery.Fields(root)...)
	for _, p := range kuery.Predicates(root) {
		pr := rule.Predicate{Field: p.Field, CaseSensitive: true, Negated: p.Negated}
		lit, _ := p.Node.(*kuery.Literal)
		raw := p.Value
		if lit != nil {
			raw = lit.Raw
		}
		switch p.Kind {
		case kuery.PredExists:
			pr.Kind, pr.Text = rule.OpExists, p.Field+": *"
		case kuery.PredRange:
			pr.Kind, pr.Values = rangeKind(p.Op), []string{p.Value}
			pr.Text = p.Field + " " + p.Op.String() + " " + p.Value
			pr.Text = unquoteRangeOps.Replace(pr.Text)
		default:
			pr.Kind = rule.OpEq
			v := p.Value
			if p.Type == kuery.LitNull {
				v = "null"
			}
			if lit != nil && p.Wildcard() {
				v, pr.Wildcards = lit.Pattern(), true
			}
			pr.Values = []string{v}
			if p.Field == "" {
				// free text: searched in every field, analysed
				pr.Kind, pr.CaseSensitive = rule.OpKeyword, false
				pr.Text = raw
			} else {
				pr.Text = p.Field + ": " + raw
				switch {
				case isTextField(p.Field):
					// analysed: the value's terms, in any case
					pr.CaseSensitive = false
					if !pr.Wildcards {
						pr.Kind = rule.OpHas
					}
				case !pr.Wildcards && isCIDR(v):
					pr.Kind = rule.OpCIDR
				}
			}
		}
		l.addPred(st, pr, !p.FieldWildcard)
	}
}

// isTextField tells whether an ECS field is analysed text (text or
// match_only_text), so that kuery and Lucene match the terms of a value in
// any case rather than the whole value: message and error.message
// (https://www.elastic.co/guide/en/ecs/current/ecs-base.html,
// ecs-error.html), the .text multi-fields of keyword fields
// (https://www.elastic.co/guide/en/ecs/current/ecs-multi-fields.html), and
// PowerShell's script block text in the Windows integration
// (powershell.file.script_block_text, match_only_text). Any other field is
// taken as ECS maps most: keyword.
func isTextField(f string) bool {
	switch f {
	case "message", "error.message", "powershell.file.script_block_text":
		return true
	}
	return strings.HasSuffix(f, ".text")
}

// isCIDR tells whether v is a network in CIDR notation (10.0.0.0/8,
// FE80::/10): on an ip field (ECS's *.ip), Elasticsearch's term query
// matches the addresses of the network
// (https://www.elastic.co/docs/reference/elasticsearch/mapping-reference/ip#query-ip-fields).
func isCIDR(v string) bool {
	if !strings.Contains(v, "/") {
		return false
	}
	_, _, err := net.ParseCIDR(v)
	return err == nil
}

func rangeKind(op kuery.Kind) string {
	switch op {
	case kuery.Lt:
		return rule.OpLt
	case kuery.Le:
		return rule.OpLe
	case kuery.Gt:
		return rule.OpGt
	}
	return rule.OpGe
}

// lucene lowers a Lucene query string into one stage of kind: a term or
// phrase on a field an exact, case-sensitive equality (keyword fields); a
// prefix or wildcard term a pattern; /re/ a regular expression; a range a
// comparison; _exists_:f and f:* existence; a term with no field a
// case-insensitive keyword search. A MUST_NOT clause negates.
func (l *lowering) lucene(src string, out *[]rule.Stage, kind string) diag.ErrorList {
	q, errs := lucene.Parse([]byte(src))
	if q == nil {
		return errs
	}
	st := stageAt(kind, src, diag.Span{Start: 0, End: len(src)})
	l.lucenePreds(&st, q)
	*out = append(*out, st)
	l.ops = append(l.ops, kind)
	return errs
}

func (l *lowering) lucenePreds(st *rule.Stage, root lucene.Node) {
	l.fields = append(l.fields, lucene.Fields(root)...)
	for _, p := range lucene.Predicates(root) {
		field := p.Field
		if field == "*" {
			field = ""
		}
		pr := rule.Predicate{Field: field, CaseSensitive: true, Negated: p.Negated, Values: []string{p.Value}}
		indicator := true
		switch p.Kind {
		case lucene.PredMatchAll:
			continue
		case lucene.PredExists:
			pr.Kind, pr.Values = rule.OpExists, nil
			pr.Field = p.Value
			pr.Text = "_exists_:" + p.Value
		case lucene.PredPrefix, lucene.PredWildcard:
			pr.Kind, pr.Wildcards = rule.OpEq, true
			if t, ok := p.Node.(*lucene.Term); ok {
				pr.Values = []string{t.Pattern()}
			}
		case lucene.PredRegexp:
			pr.Kind = rule.OpRegex
		case lucene.PredRange:
			switch {
			case !p.LowerOpen && !p.UpperOpen:
				pr.Kind, pr.Values = rule.OpBetween, []string{p.Lower, p.Upper}
			case !p.LowerOpen:
				pr.Kind, pr.Values = rule.OpGt, []string{p.Lower}
				if p.LowerInclusive {
					pr.Kind = rule.OpGe
				}
			case !p.UpperOpen:
				pr.Kind, pr.Values = rule.OpLt, []string{p.Upper}
				if p.UpperInclusive {
					pr.Kind = rule.OpLe
				}
			default:
				pr.Kind, pr.Values = rule.OpExists, nil
			}
		case lucene.PredFuzzy:
			pr.Kind = rule.OpEq
			indicator = false // similar terms, not this one
		default: // term, phrase
			pr.Kind = rule.OpEq
		}
		if pr.Field == "" && pr.Kind == rule.OpEq {
			pr.Kind, pr.CaseSensitive = rule.OpKeyword, false
		}
		if pr.Field != "" && pr.Kind == rule.OpEq && isTextField(pr.Field) {
			pr.CaseSensitive = false
			if !pr.Wildcards {
				pr.Kind = rule.OpHas
			}
		} else if pr.Field != "" && pr.Kind == rule.OpEq && !pr.Wildcards && len(pr.Values) == 1 && isCIDR(pr.Values[0]) {
			pr.Kind = rule.OpCIDR
		}
		if pr.Text == "" && p.Node != nil {
			pr.Text = strings.TrimSpace(textOf(l.luceneSrc(root), p.Node.Span()))
			if field != "" {
				pr.Text = field + ":" + pr.Text
			}
		}
		l.addPred(st, pr, indicator && !strings.Contains(field, "*"))
	}
}

func (l *lowering) luceneSrc(root lucene.Node) string {
	if q, ok := root.(*lucene.Query); ok {
		return q.Src
	}
	return ""
}
