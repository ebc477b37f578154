package lowersigma

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/sigma"
	"github.com/ruledex/ruledex/internal/lower"
	"github.com/ruledex/ruledex/internal/rule"
)

// A Sigma condition is said as its and/or structure, not as a pipeline:
// "Matches events where all of: selection_img (any of: Image ends with
// '\certutil.exe'; OriginalFileName is 'CertUtil.exe'); selection_cli
// (...); none of: filter (...)". A search (a named selection) is a node
// named after it: the alternatives of a list of maps are any of, the
// fields of one map all of (Sigma specification, "Detection": lists are
// OR, maps are AND,
// https://github.com/SigmaHQ/sigma-specification/blob/main/specification/sigma-rules-specification.md#detection).

// maxConditionDepth bounds the nesting said of a condition; deeper parts
// are quoted as written.
const maxConditionDepth = 16

// explainCondition adds the tree of condition c, the stage-th stage. A meta
// filter's condition (negate) says what is excluded.
func (l *sigmaLowering) explainCondition(det *sigma.Detection, c *sigma.Condition, negate, many bool, stage int) {
	if c.Expr == nil {
		return
	}
	root := conditionTree(det, c.Expr, 0)
	if root.Text == "" && len(root.Items) == 0 && root.Label == "" {
		return
	}
	head := "Matches events where"
	if negate {
		head = "Excludes events where"
	}
	if many {
		head += " (one of its conditions)"
	}
	if root.Op == "" || len(root.Items) == 0 {
		// a lone test: one sentence
		text := root.Text
		if root.Label != "" {
			text = root.Label + " (" + text + ")"
		}
		l.ex.Add(rule.ExplainPart{Text: lower.Sentence(head + " " + text), Stage: stage})
		return
	}
	root.Text = head
	root.Stage = stage
	l.ex.Add(root)
}

// conditionTree makes the tree of a condition expression.
func conditionTree(det *sigma.Detection, x sigma.Expr, depth int) rule.ExplainPart {
	if depth > maxConditionDepth {
		return lower.Leaf(x.String())
	}
	switch x := x.(type) {
	case *sigma.ParenExpr:
		return conditionTree(det, x.X, depth+1)
	case *sigma.Ident:
		if s := det.Search(x.Name); s != nil {
			return searchTree(s)
		}
		return lower.Leaf(x.Name + " (not defined)")
	case *sigma.NotExpr:
		in := conditionTree(det, x.X, depth+1)
		switch {
		case in.Op == rule.ExplainNone && in.Label == "" && len(in.Items) == 1:
			return in.Items[0] // not not X
		case in.Op == rule.ExplainAny && in.Label == "" && in.Text == "":
			// not (a or b): none of a, b
			return rule.ExplainPart{Op: rule.ExplainNone, Items: in.Items}
		}
		return rule.ExplainPart{Op: rule.ExplainNone, Items: []rule.ExplainPart{in}}
	case *sigma.BinaryExpr:
		op := rule.ExplainAll
		if x.Op == sigma.OR {
			op = rule.ExplainAny
		}
		items := make([]rule.ExplainPart, 0, len(x.Args))
		for _, a := range x.Args {
			items = append(items, conditionTree(det, a, depth+1))
		}
		return lower.Node(op, "", items)
	case *sigma.OfExpr:
		ss := det.Match(x)
		items := make([]rule.ExplainPart, 0, len(ss))
		for _, s := range ss {
			items = append(items, searchTree(s))
		}
		if len(items) == 0 {
			return lower.Leaf(x.String() + " (no selection matches " + x.Pattern + ")")
		}
		op := rule.ExplainAny
		if x.Quant == sigma.QuantAll {
			op = rule.ExplainAll
		}
		if len(items) == 1 {
			return items[0]
		}
		return rule.ExplainPart{Op: op, Items: items}
	case *sigma.BadExpr:
		return lower.Leaf(strings.TrimSpace(x.String()) + " (not read)")
	}
	return lower.Leaf(x.String())
}

// searchTree makes the node of a search: any of its alternatives (maps, or
// the values of a keyword list), each all of its fields.
func searchTree(s *sigma.Search) rule.ExplainPart {
	alts := make([]rule.ExplainPart, 0, len(s.Alts))
	for _, a := range s.Alts {
		ms := make([]rule.ExplainPart, 0, len(a.Matches))
		for _, m := range a.Matches {
			ms = append(ms, lower.Leaf(describeMatch(m)))
		}
		if len(ms) > 0 {
			alts = append(alts, lower.Node(rule.ExplainAll, "", ms))
		}
	}
	if len(alts) == 0 {
		return rule.ExplainPart{Label: s.Name, Text: "empty"}
	}
	return lower.Node(rule.ExplainAny, s.Name, alts)
}
