package yaral

import (
	"strconv"
	"strings"
)

// Print returns n as YARA-L source text that parses back to an equal tree
// (see Equal): one section keyword a line, each events line, outcome
// assignment and meta entry on its own line, keywords in lower case,
// literals as written. A *Bad prints as a comment, so the output of a
// tree with errors still lexes.
func Print(n Node) string {
	var b strings.Builder
	pr := printer{b: &b}
	pr.node(n)
	return b.String()
}

type printer struct {
	b *strings.Builder
}

func (pr *printer) ws(s ...string) {
	for _, x := range s {
		pr.b.WriteString(x)
	}
}

func (pr *printer) node(n Node) {
	switch n := n.(type) {
	case *File:
		for i, r := range n.Rules {
			if i > 0 {
				pr.ws("\n")
			}
			pr.node(r)
		}
	case *Rule:
		pr.ws("rule ", n.Name.Name, " {\n")
		for _, s := range n.Sections {
			pr.node(s)
		}
		pr.ws("}\n")
	case *MetaSection:
		pr.ws("  meta:\n")
		pr.keyValues(n.Entries)
	case *OptionsSection:
		pr.ws("  options:\n")
		pr.keyValues(n.Options)
	case *EventsSection:
		pr.ws("  events:\n")
		for _, l := range n.Lines {
			pr.ws("    ")
			pr.expr(l)
			pr.ws("\n")
		}
	case *MatchSection:
		pr.ws("  match:\n    ")
		for i, v := range n.Vars {
			if i > 0 {
				pr.ws(", ")
			}
			pr.expr(v)
		}
		if n.Window == TumblingWindow {
			pr.ws(" by ")
		} else {
			pr.ws(" over ")
		}
		if n.Duration != nil {
			pr.ws(n.Duration.Raw)
		}
		if n.Window == SlidingWindow {
			pr.ws(" ", n.Edge.String(), " ")
			if n.Pivot != nil {
				pr.expr(n.Pivot)
			}
		}
		pr.ws("\n")
	case *OutcomeSection:
		pr.ws("  outcome:\n")
		for _, a := range n.Assigns {
			pr.ws("    ")
			pr.node(a)
			pr.ws("\n")
		}
	case *ConditionSection:
		pr.ws("  condition:\n    ")
		pr.expr(n.Expr)
		pr.ws("\n")
	case *Assign:
		pr.expr(n.Var)
		pr.ws(" = ")
		pr.expr(n.Value)
	case *KeyValue:
		pr.ws(n.Key.Name, " = ")
		pr.expr(n.Value)
	case *PathElem:
		pr.pathElem(n, false)
	case Expr:
		pr.expr(n)
	}
}

func (pr *printer) keyValues(kvs []*KeyValue) {
	for _, kv := range kvs {
		pr.ws("    ")
		pr.node(kv)
		pr.ws("\n")
	}
}

func (pr *printer) pathElem(p *PathElem, first bool) {
	if p.Key == nil {
		pr.ws(".", p.Name)
		return
	}
	pr.ws("[")
	pr.expr(p.Key)
	pr.ws("]")
}

// expr prints an expression. Parsed trees need no parentheses beyond
// their *Paren nodes: the printer adds none.
func (pr *printer) expr(x Expr) {
	switch x := x.(type) {
	case nil:
	case *Bad:
		pr.ws("/* unreadable */")
	case *Ident:
		pr.ws(x.Name)
	case *Var:
		if x.Count {
			pr.ws("#", x.Name)
		} else {
			pr.ws("$", x.Name)
		}
	case *Field:
		pr.expr(x.Var)
		for _, p := range x.Steps {
			pr.pathElem(p, false)
		}
	case *ListRef:
		pr.ws("%", x.Name)
		if x.Column != "" {
			pr.ws(".", x.Column)
		}
	case *String:
		pr.ws(x.Raw)
	case *Regex:
		pr.ws(x.Raw)
	case *Number:
		pr.ws(x.Raw)
	case *DurationLit:
		pr.ws(x.Raw)
	case *Bool:
		pr.ws(strconv.FormatBool(x.Value))
	case *Call:
		pr.ws(x.Func.Name, "(")
		for i, a := range x.Args {
			if i > 0 {
				pr.ws(", ")
			}
			pr.expr(a)
		}
		pr.ws(")")
		if x.Nocase {
			pr.ws(" nocase")
		}
	case *Compare:
		pr.expr(x.X)
		pr.ws(" ", x.Op.String(), " ")
		pr.expr(x.Y)
		if x.Nocase {
			pr.ws(" nocase")
		}
	case *In:
		pr.expr(x.X)
		pr.ws(" in ")
		switch x.Mode {
		case InRegex:
			pr.ws("regex ")
		case InCIDR:
			pr.ws("cidr ")
		}
		pr.expr(x.List)
		if x.Nocase {
			pr.ws(" nocase")
		}
	case *Binary:
		pr.expr(x.X)
		pr.ws(" ", x.Op.String(), " ")
		pr.expr(x.Y)
	case *Unary:
		switch x.Op {
		case KwNot:
			pr.ws("not ")
		default:
			pr.ws(x.Op.String())
		}
		pr.expr(x.X)
	case *Quantified:
		pr.ws(x.Quant.String(), " ")
		pr.expr(x.X)
	case *Paren:
		pr.ws("(")
		pr.expr(x.X)
		pr.ws(")")
	}
}

// Dump returns n as an S-expression that shows its structure: the
// grouping of and/or, what not and nocase apply to, each events line on
// its own line. Parentheses of the source are not shown (the grouping
// is). It is the form the tests write their expected trees in.
func Dump(n Node) string {
	var b strings.Builder
	dump(&b, n, "")
	return b.String()
}

func dump(b *strings.Builder, n Node, indent string) {
	w := b.WriteString
	switch n := n.(type) {
	case *File:
		for i, r := range n.Rules {
			if i > 0 {
				w("\n")
			}
			dump(b, r, indent)
		}
	case *Rule:
		w("(rule " + n.Name.Name)
		for _, s := range n.Sections {
			w("\n" + indent + "  ")
			dump(b, s, indent+"  ")
		}
		w(")")
	case *MetaSection:
		w("(meta")
		dumpKVs(b, n.Entries)
		w(")")
	case *OptionsSection:
		w("(options")
		dumpKVs(b, n.Options)
		w(")")
	case *EventsSection:
		w("(events")
		for _, l := range n.Lines {
			w("\n" + indent + "  ")
			dump(b, l, indent+"  ")
		}
		w(")")
	case *MatchSection:
		w("(match " + [...]string{"hop", "tumbling", "sliding"}[n.Window] + " (")
		for i, v := range n.Vars {
			if i > 0 {
				w(" ")
			}
			dump(b, v, indent)
		}
		w(")")
		if n.Duration != nil {
			w(" " + n.Duration.Raw)
		}
		if n.Window == SlidingWindow {
			w(" " + n.Edge.String() + " ")
			if n.Pivot != nil {
				dump(b, n.Pivot, indent)
			}
		}
		w(")")
	case *OutcomeSection:
		w("(outcome")
		for _, a := range n.Assigns {
			w("\n" + indent + "  ")
			dump(b, a, indent+"  ")
		}
		w(")")
	case *ConditionSection:
		w("(condition ")
		dump(b, n.Expr, indent)
		w(")")
	case *Assign:
		w("(= $" + n.Var.Name + " ")
		dump(b, n.Value, indent)
		w(")")
	case *KeyValue:
		w("(" + n.Key.Name + " ")
		dump(b, n.Value, indent)
		w(")")
	case *Bad:
		w("<bad>")
	case *Ident:
		w(n.Name)
	case *Var:
		if n.Count {
			w("#" + n.Name)
		} else {
			w("$" + n.Name)
		}
	case *Field:
		w("$" + n.Var.Name + "." + n.Path())
	case *PathElem:
		w(n.Name)
	case *ListRef:
		w("%" + n.Name)
		if n.Column != "" {
			w("." + n.Column)
		}
	case *String:
		w(strconv.Quote(n.Value))
	case *Regex:
		w("/" + n.Pattern + "/")
	case *Number:
		w(n.Raw)
	case *DurationLit:
		w(n.Raw)
	case *Bool:
		w(strconv.FormatBool(n.Value))
	case *Call:
		w("(call " + n.Func.Name)
		for _, a := range n.Args {
			w(" ")
			dump(b, a, indent)
		}
		if n.Nocase {
			w(" nocase")
		}
		w(")")
	case *Compare:
		w("(" + n.Op.String() + " ")
		dump(b, n.X, indent)
		w(" ")
		dump(b, n.Y, indent)
		if n.Nocase {
			w(" nocase")
		}
		w(")")
	case *In:
		w([...]string{"(in ", "(in-regex ", "(in-cidr "}[n.Mode])
		dump(b, n.X, indent)
		w(" ")
		dump(b, n.List, indent)
		if n.Nocase {
			w(" nocase")
		}
		w(")")
	case *Binary:
		w("(" + n.Op.String() + " ")
		dump(b, n.X, indent)
		w(" ")
		dump(b, n.Y, indent)
		w(")")
	case *Unary:
		w("(" + n.Op.String() + " ")
		dump(b, n.X, indent)
		w(")")
	case *Quantified:
		w("(" + n.Quant.String() + " ")
		dump(b, n.X, indent)
		w(")")
	case *Paren:
		dump(b, n.X, indent)
	}
}

func dumpKVs(b *strings.Builder, kvs []*KeyValue) {
	for _, kv := range kvs {
		b.WriteString(" ")
		dump(b, kv, "")
	}
}
