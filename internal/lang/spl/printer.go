package spl

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Print returns n as SPL text that parses back to an equal tree (Equal):
// values, fields, strings and macros as written, one space between tokens,
// comments left out.
func Print(n Node) string {
	var pr printer
	pr.node(n)
	return pr.b.String()
}

// String returns the query as Print writes it.
func (q *Query) String() string { return Print(q) }

type printer struct {
	b strings.Builder
}

func (pr *printer) s(parts ...string) {
	for _, s := range parts {
		if s == "" {
			continue
		}
		// a word that ends with a lone backslash would take the next
		// character with it (a\, is one word): keep them apart
		if !isSpace(s[0]) && loneBackslash(pr.b.String()) {
			pr.b.WriteByte(' ')
		}
		pr.b.WriteString(s)
	}
}

func (pr *printer) args(args []Arg) {
	for _, a := range args {
		pr.s(" ")
		pr.node(a)
	}
}

func (pr *printer) fields(fs []*Field, sep string) {
	for i, f := range fs {
		if i > 0 {
			pr.s(sep)
		}
		pr.s(f.Raw)
	}
}

func (pr *printer) node(n Node) {
	switch n := n.(type) {
	case nil:
	case *Query:
		pr.node(n.Pipeline)
	case *Comment:
		pr.s("```", n.Text, "```")
	case *Pipeline:
		for i, c := range n.Commands {
			if i > 0 {
				pr.s(" | ")
			} else if _, ok := c.(*SearchCommand); !ok {
				pr.s("| ")
			}
			pr.node(c)
		}
	case *Subsearch:
		pr.s("[")
		pr.node(n.Pipeline)
		pr.s("]")
	case *Ident:
		pr.s(n.Name)
	case *Field:
		pr.s(n.Raw)
	case *Value:
		pr.s(n.Raw)
	case *Macro:
		pr.s(n.Raw)
	case *Option:
		if n.Name != nil {
			pr.s(n.Name.Name, "=")
		}
		pr.s(n.Value.Raw)

	case *SearchAnd:
		for i, t := range n.Terms {
			if i > 0 {
				if n.Ops[i-1] != (diag.Span{}) {
					pr.s(" AND ")
				} else {
					pr.s(" ")
				}
			}
			pr.node(t)
		}
	case *SearchOr:
		for i, t := range n.Terms {
			if i > 0 {
				pr.s(" OR ")
			}
			pr.node(t)
		}
	case *SearchNot:
		pr.s("NOT ")
		pr.node(n.X)
	case *SearchParen:
		pr.s("(")
		pr.node(n.X)
		pr.s(")")
	case *SearchTerm:
		pr.s(n.Value.Raw)
	case *SearchCompare:
		pr.compare(n.Field.Raw, n.Op, n.Value.Raw)
	case *SearchIn:
		pr.s(n.Field.Raw, " IN (")
		for i, v := range n.Values {
			if i > 0 {
				pr.s(", ")
			}
			pr.s(v.Raw)
		}
		pr.s(")")
	case *SearchDirective:
		pr.s(n.Name, "(", n.Value.Raw, ")")
	case *BadSearch:
		pr.s("<bad>")

	case *BinaryExpr:
		pr.node(n.X)
		pr.s(" ", n.Op, " ")
		pr.node(n.Y)
	case *UnaryExpr:
		pr.s(n.Op)
		if n.Op == "NOT" {
			pr.s(" ")
		}
		pr.node(n.X)
	case *InExpr:
		pr.node(n.X)
		pr.s(" IN (")
		for i, v := range n.Values {
			if i > 0 {
				pr.s(", ")
			}
			pr.node(v)
		}
		pr.s(")")
	case *ParenExpr:
		pr.s("(")
		pr.node(n.X)
		pr.s(")")
	case *CallExpr:
		pr.s(n.Func.Name, "(")
		for i, a := range n.Args {
			if i > 0 {
				pr.s(", ")
			}
			pr.node(a)
		}
		pr.s(")")
	case *StringLit:
		pr.s(n.Raw)
	case *NumberLit:
		pr.s(n.Raw)
	case *BadExpr:
		pr.s("<bad>")

	case *SearchCommand:
		if n.Name != nil {
			pr.s(n.Name.Name)
			if n.Expr != nil {
				pr.s(" ")
			}
		}
		pr.node(n.Expr)
	case *WhereCommand:
		pr.s(n.Name.Name, " ")
		pr.node(n.Expr)
	case *EvalCommand:
		pr.s(n.Name.Name, " ")
		for i, a := range n.Assigns {
			if i > 0 {
				pr.s(", ")
			}
			pr.node(a)
		}
	case *Assignment:
		pr.s(n.Field.Raw, "=")
		pr.node(n.Value)
	case *StatsCommand:
		pr.s(n.Name.Name)
		pr.args(n.Options)
		for i, a := range n.Aggs {
			if i > 0 {
				pr.s(",") // count, as: an aggregation named as
			}
			pr.s(" ")
			pr.node(a)
		}
		if n.From != nil {
			pr.s(" from ")
			pr.node(n.From)
		}
		if n.Where != nil {
			pr.s(" where ")
			pr.node(n.Where)
		}
		if n.Over != nil {
			pr.s(" over ", n.Over.Raw)
		}
		if n.ByAt != (diag.Span{}) {
			pr.s(" by ")
			pr.fields(n.By, ", ")
			pr.args(n.ByOptions)
		}
	case *Aggregation:
		pr.s(n.Func.Name)
		if n.Parens {
			pr.s("(")
			for i, a := range n.Args {
				if i > 0 {
					pr.s(", ")
				}
				pr.node(a)
			}
			pr.s(")")
		}
		if n.As != nil {
			pr.s(" as ", n.As.Raw)
		}
	case *RexCommand:
		pr.s(n.Name.Name)
		pr.args(n.Options)
		if n.Regex != nil {
			pr.s(" ", n.Regex.Raw)
		}
	case *RegexCommand:
		pr.s(n.Name.Name, " ")
		if n.Field != nil {
			pr.compare(n.Field.Raw, n.Op, "")
		}
		if n.Regex != nil {
			pr.s(n.Regex.Raw)
		}
	case *LookupCommand:
		pr.s(n.Name.Name)
		pr.args(n.Options)
		pr.s(" ", n.Table.Raw)
		for i, f := range n.Inputs {
			if i > 0 {
				pr.s(",") // a, as: a field named as
			}
			pr.s(" ")
			pr.node(f)
		}
		if n.Output != nil {
			pr.s(" ", n.Output.Name)
			for i, f := range n.Outputs {
				if i > 0 {
					pr.s(",")
				}
				pr.s(" ")
				pr.node(f)
			}
		}
	case *FieldAs:
		pr.s(n.Field.Raw)
		if n.AsAt != (diag.Span{}) {
			pr.s(" as ")
			if n.As != nil {
				pr.s(n.As.Raw)
			}
		}
	case *InputlookupCommand:
		pr.s(n.Name.Name)
		pr.args(n.Options)
		pr.s(" ", n.Table.Raw)
		if n.Where != nil {
			pr.s(" where ")
			pr.node(n.Where)
		}
	case *TableCommand:
		pr.s(n.Name.Name, " ")
		pr.fields(n.Fields, ", ")
	case *FieldsCommand:
		pr.s(n.Name.Name, " ")
		if n.Sign != "" {
			pr.s(n.Sign, " ")
		} else if len(n.Fields) > 0 && (n.Fields[0].Raw == "+" || n.Fields[0].Raw == "-") {
			pr.s(", ") // a field named +, not the sign
		}
		pr.fields(n.Fields, ", ")
	case *RenameCommand:
		pr.s(n.Name.Name, " ")
		for i, r := range n.Renames {
			if i > 0 {
				pr.s(", ")
			}
			pr.node(r)
		}
	case *JoinCommand:
		pr.s(n.Name.Name)
		pr.args(n.Options)
		if len(n.Fields) > 0 {
			pr.s(" ")
			pr.fields(n.Fields, ", ")
		}
		if n.Subsearch != nil {
			pr.s(" ")
			pr.node(n.Subsearch)
		}
	case *AppendCommand:
		pr.s(n.Name.Name)
		pr.args(n.Options)
		if n.Subsearch != nil {
			pr.s(" ")
			pr.node(n.Subsearch)
		}
	case *SortCommand:
		pr.s(n.Name.Name)
		if n.Count != nil {
			pr.s(" ", n.Count.Raw)
		} else if len(n.Options) > 0 {
			if o, ok := n.Options[0].(*Option); ok && numberFirst(o.Name.Name) {
				pr.s(" ,") // an option named 0, not the count (parseSort), as for a key below
			}
		}
		pr.args(n.Options)
		for i, k := range n.Keys {
			if i == 0 && n.Count == nil && k.Sign == "" && k.Func == nil && numberFirst(k.Field.Raw) {
				pr.s(" ,") // a key that starts with a number, not the count (parseSort)
			}
			pr.s(" ")
			pr.node(k)
			if i == len(n.Keys)-1 && n.Desc == nil && k.Sign == "" && k.Func == nil &&
				(strings.EqualFold(k.Field.Raw, "d") || strings.EqualFold(k.Field.Raw, "desc")) {
				pr.s(",") // a last key named d or desc, not the desc keyword
			}
		}
		if n.Desc != nil {
			pr.s(" ", n.Desc.Name)
		}
	case *SortKey:
		pr.s(n.Sign)
		if n.Func != nil {
			pr.s(n.Func.Name, "(", n.Field.Raw, ")")
		} else {
			pr.s(n.Field.Raw)
		}
	case *HeadCommand:
		pr.s(n.Name.Name)
		if n.Count != nil {
			pr.s(" ", n.Count.Raw)
		}
		if n.Expr != nil {
			pr.s(" ")
			pr.node(n.Expr)
		}
		pr.args(n.Options)
	case *ConvertCommand:
		pr.s(n.Name.Name)
		pr.args(n.Options)
		for _, c := range n.Conversions {
			pr.s(" ")
			pr.node(c)
		}
	case *Conversion:
		pr.s(n.Func.Name, "(", n.Field.Raw, ")")
		if n.As != nil {
			pr.s(" as ", n.As.Raw)
		}
	case *ArgsCommand:
		pr.s(n.Name.Name)
		pr.args(n.Options)
		for _, f := range n.Fields {
			pr.s(" ", f.Raw)
		}
		for _, c := range n.Clauses {
			pr.s(" ")
			pr.node(c)
		}
	case *Clause:
		pr.s(n.Keyword.Name)
		for _, f := range n.Fields {
			pr.s(" ", f.Raw)
		}
	case *RawCommand:
		if n.Name != nil {
			pr.s(n.Name.Name)
			if n.Args != "" {
				pr.s(" ")
			}
		}
		pr.s(n.Args)
	case *BadCommand:
		pr.s("<bad>")
	}
}

// loneBackslash tells whether s ends with a backslash not paired with the
// one before it (an odd run of them).
func loneBackslash(s string) bool {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}

// compare writes field op value, with a space where the operator would
// else run into what is around it (a! = x, a= =).
func (pr *printer) compare(field string, op Kind, value string) {
	pr.s(field)
	if field != "" && strings.IndexByte("!<>=", field[len(field)-1]) >= 0 {
		pr.s(" ")
	}
	pr.s(op.text())
	if value != "" && strings.IndexByte("!<>=", value[0]) >= 0 {
		pr.s(" ")
	}
	pr.s(value)
}

// text is the operator as the printer writes it.
func (k Kind) text() string {
	switch k {
	case Assign:
		return "="
	case Eq:
		return "=="
	case Neq:
		return "!="
	case Lt:
		return "<"
	case Le:
		return "<="
	case Gt:
		return ">"
	case Ge:
		return ">="
	}
	return k.String()
}

// numberFirst tells whether the first token of s is a number: a sort key
// so written, first, would be read as the count (parseSort), "0%0" as
// well as "5".
func numberFirst(s string) bool {
	toks, _ := lex(s)
	return len(toks) > 0 && toks[0].Kind == Word && isNumber(toks[0].Text)
}
