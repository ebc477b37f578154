package spl

import (
	"strconv"
	"strings"
)

// Dump writes the tree under n as an S-expression that shows its
// structure, for tests and for reading: (and (or A B) C). Values are
// written «decoded text», with a trailing * when they are wildcards and a
// leading q when they were one quoted string; fields by name ('quoted' when
// written in single quotes); strings of eval quoted as Go does.
func Dump(n Node) string {
	var d dumper
	d.node(n)
	return d.b.String()
}

type dumper struct{ b strings.Builder }

func (d *dumper) w(parts ...string) {
	for _, s := range parts {
		d.b.WriteString(s)
	}
}

func (d *dumper) list(head string, items ...func()) {
	d.w("(", head)
	for _, f := range items {
		d.w(" ")
		f()
	}
	d.w(")")
}

func (d *dumper) value(v *Value) {
	if v == nil {
		d.w("nil")
		return
	}
	if v.Quoted {
		d.w("q")
	}
	if v.Directive != "" {
		d.w(v.Directive)
	}
	d.w("«", v.Text, "»")
	if v.Wildcard {
		d.w("*")
	}
}

func (d *dumper) field(f *Field) {
	switch {
	case f == nil:
		d.w("nil")
	case f.Quoted && strings.HasPrefix(f.Raw, "'"):
		d.w("'", f.Name, "'")
	case f.Quoted:
		d.w(strconv.Quote(f.Name))
	default:
		d.w(f.Name)
	}
}

func (d *dumper) fields(key string, fs []*Field) {
	if len(fs) == 0 {
		return
	}
	d.w(" ", key, "=[")
	for i, f := range fs {
		if i > 0 {
			d.w(" ")
		}
		d.field(f)
	}
	d.w("]")
}

func (d *dumper) args(key string, as []Arg) {
	if len(as) == 0 {
		return
	}
	d.w(" ", key, "=[")
	for i, a := range as {
		if i > 0 {
			d.w(" ")
		}
		d.node(a)
	}
	d.w("]")
}

func (d *dumper) exprs(xs []Expr) {
	for _, x := range xs {
		d.w(" ")
		d.node(x)
	}
}

func (d *dumper) name(id *Ident) {
	if id == nil {
		d.w("nil")
		return
	}
	d.w(strings.ToLower(id.Name))
}

func (d *dumper) node(n Node) {
	switch n := n.(type) {
	case nil:
		d.w("nil")
	case *Query:
		d.node(n.Pipeline)
	case *Comment:
		d.w("(comment ", strconv.Quote(n.Text), ")")
	case *Pipeline:
		d.w("(pipe")
		for _, c := range n.Commands {
			d.w(" ")
			d.node(c)
		}
		d.w(")")
	case *Subsearch:
		d.w("[")
		d.node(n.Pipeline)
		d.w("]")
	case *Ident:
		d.w(n.Name)
	case *Field:
		d.field(n)
	case *Value:
		d.value(n)
	case *Macro:
		d.w("(macro ", n.Name)
		for _, a := range n.Args {
			d.w(" ", strconv.Quote(a))
		}
		d.w(")")
	case *Option:
		if n.Name != nil {
			d.w(n.Name.Name)
		}
		d.w("=")
		d.value(n.Value)

	case *SearchAnd:
		d.w("(and")
		for _, t := range n.Terms {
			d.w(" ")
			d.node(t)
		}
		d.w(")")
	case *SearchOr:
		d.w("(or")
		for _, t := range n.Terms {
			d.w(" ")
			d.node(t)
		}
		d.w(")")
	case *SearchNot:
		d.list("not", func() { d.node(n.X) })
	case *SearchParen:
		d.list("paren", func() { d.node(n.X) })
	case *SearchTerm:
		d.list("term", func() { d.value(n.Value) })
	case *SearchCompare:
		d.list(n.Op.text(), func() { d.field(n.Field) }, func() { d.value(n.Value) })
	case *SearchIn:
		d.w("(in ")
		d.field(n.Field)
		for _, v := range n.Values {
			d.w(" ")
			d.value(v)
		}
		d.w(")")
	case *SearchDirective:
		d.list(n.Name, func() { d.value(n.Value) })
	case *BadSearch:
		d.w("(bad)")

	case *BinaryExpr:
		d.list(n.Op, func() { d.node(n.X) }, func() { d.node(n.Y) })
	case *UnaryExpr:
		d.list(n.Op, func() { d.node(n.X) })
	case *InExpr:
		d.w("(IN ")
		d.node(n.X)
		d.exprs(n.Values)
		d.w(")")
	case *ParenExpr:
		d.list("paren", func() { d.node(n.X) })
	case *CallExpr:
		d.w("(", strings.ToLower(n.Func.Name), "()")
		d.exprs(n.Args)
		d.w(")")
	case *StringLit:
		d.w(strconv.Quote(n.Value))
	case *NumberLit:
		d.w(n.Raw)
	case *BadExpr:
		d.w("(bad)")

	case *SearchCommand:
		d.list("search", func() { d.node(n.Expr) })
	case *WhereCommand:
		d.list("where", func() { d.node(n.Expr) })
	case *EvalCommand:
		d.w("(eval")
		for _, a := range n.Assigns {
			d.w(" ")
			d.node(a)
		}
		d.w(")")
	case *Assignment:
		d.w("(:= ")
		d.field(n.Field)
		d.w(" ")
		d.node(n.Value)
		d.w(")")
	case *StatsCommand:
		d.w("(")
		d.name(n.Name)
		d.args("opts", n.Options)
		if len(n.Aggs) > 0 {
			d.w(" aggs=[")
			for i, a := range n.Aggs {
				if i > 0 {
					d.w(" ")
				}
				d.node(a)
			}
			d.w("]")
		}
		if n.From != nil {
			d.w(" from=")
			d.node(n.From)
		}
		if n.Where != nil {
			d.w(" where=")
			d.node(n.Where)
		}
		if n.Over != nil {
			d.w(" over=")
			d.field(n.Over)
		}
		d.fields("by", n.By)
		d.args("byopts", n.ByOptions)
		d.w(")")
	case *Aggregation:
		d.w(strings.ToLower(n.Func.Name))
		if n.Parens {
			d.w("(")
			for i, a := range n.Args {
				if i > 0 {
					d.w(" ")
				}
				d.node(a)
			}
			d.w(")")
		}
		if n.As != nil {
			d.w("→")
			d.field(n.As)
		}
	case *RexCommand:
		d.w("(rex")
		d.args("opts", n.Options)
		if n.Regex != nil {
			d.w(" ", strconv.Quote(n.Regex.Value))
		}
		if len(n.Groups) > 0 {
			d.w(" groups=[", strings.Join(n.Groups, " "), "]")
		}
		d.w(")")
	case *RegexCommand:
		d.w("(regex ")
		if n.Field != nil {
			d.field(n.Field)
			d.w(" ", n.Op.text(), " ")
		}
		if n.Regex != nil {
			d.w(strconv.Quote(n.Regex.Value))
		}
		d.w(")")
	case *LookupCommand:
		d.w("(lookup")
		d.args("opts", n.Options)
		d.w(" ")
		d.value(n.Table)
		for _, f := range n.Inputs {
			d.w(" ")
			d.node(f)
		}
		if n.Output != nil {
			d.w(" ", strings.ToUpper(n.Output.Name))
			for _, f := range n.Outputs {
				d.w(" ")
				d.node(f)
			}
		}
		d.w(")")
	case *FieldAs:
		d.field(n.Field)
		if n.As != nil {
			d.w("→")
			d.field(n.As)
		}
	case *InputlookupCommand:
		d.w("(inputlookup")
		d.args("opts", n.Options)
		d.w(" ")
		d.value(n.Table)
		if n.Where != nil {
			d.w(" where=")
			d.node(n.Where)
		}
		d.w(")")
	case *TableCommand:
		d.w("(table")
		d.fields("fields", n.Fields)
		d.w(")")
	case *FieldsCommand:
		d.w("(fields")
		if n.Sign != "" {
			d.w(" ", n.Sign)
		}
		d.fields("fields", n.Fields)
		d.w(")")
	case *RenameCommand:
		d.w("(rename")
		for _, r := range n.Renames {
			d.w(" ")
			d.node(r)
		}
		d.w(")")
	case *JoinCommand:
		d.w("(join")
		d.args("opts", n.Options)
		d.fields("fields", n.Fields)
		if n.Subsearch != nil {
			d.w(" ")
			d.node(n.Subsearch)
		}
		d.w(")")
	case *AppendCommand:
		d.w("(")
		d.name(n.Name)
		d.args("opts", n.Options)
		if n.Subsearch != nil {
			d.w(" ")
			d.node(n.Subsearch)
		}
		d.w(")")
	case *SortCommand:
		d.w("(sort")
		if n.Count != nil {
			d.w(" count=")
			d.value(n.Count)
		}
		d.args("opts", n.Options)
		for _, k := range n.Keys {
			d.w(" ")
			d.node(k)
		}
		if n.Desc != nil {
			d.w(" desc")
		}
		d.w(")")
	case *SortKey:
		d.w(n.Sign)
		if n.Func != nil {
			d.w(strings.ToLower(n.Func.Name), "(")
			d.field(n.Field)
			d.w(")")
		} else {
			d.field(n.Field)
		}
	case *HeadCommand:
		d.w("(")
		d.name(n.Name)
		if n.Count != nil {
			d.w(" count=")
			d.value(n.Count)
		}
		d.args("opts", n.Options)
		if n.Expr != nil {
			d.w(" ")
			d.node(n.Expr)
		}
		d.w(")")
	case *ConvertCommand:
		d.w("(convert")
		d.args("opts", n.Options)
		for _, c := range n.Conversions {
			d.w(" ")
			d.node(c)
		}
		d.w(")")
	case *Conversion:
		d.w(strings.ToLower(n.Func.Name), "(")
		d.field(n.Field)
		d.w(")")
		if n.As != nil {
			d.w("→")
			d.field(n.As)
		}
	case *ArgsCommand:
		d.w("(")
		d.name(n.Name)
		d.args("opts", n.Options)
		d.fields("args", n.Fields)
		for _, c := range n.Clauses {
			d.w(" ")
			d.node(c)
		}
		d.w(")")
	case *Clause:
		d.w(strings.ToLower(n.Keyword.Name), "=[")
		for i, f := range n.Fields {
			if i > 0 {
				d.w(" ")
			}
			d.field(f)
		}
		d.w("]")
	case *RawCommand:
		d.w("(raw ")
		if n.Name != nil {
			d.w(strings.ToLower(n.Name.Name), " ")
		}
		d.w(strconv.Quote(n.Args), ")")
	case *BadCommand:
		d.w("(bad)")
	}
}
