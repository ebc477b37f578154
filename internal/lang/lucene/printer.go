package lucene

import (
	"reflect"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/tree"
)

// Print prints n as a query string that parses back to an equal tree
// (Equal): clauses separated by one space, AND, OR and NOT in upper case
// (&&, || and ! print as them), fuzzy slop before boost, terms, phrases and
// bounds as written. A bad node prints as nothing: only error-free trees
// print back.
func Print(n Node) string {
	var b strings.Builder
	printNode(&b, n)
	return b.String()
}

var conjText = map[Kind]string{And: "AND ", Or: "OR "}
var modText = map[Kind]string{Plus: "+", Minus: "-", Not: "NOT "}

func printNode(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case nil:
	case *Query:
		if n.Body != nil {
			printNode(b, n.Body)
		}
	case *BooleanQuery:
		for i, c := range n.Clauses {
			if i > 0 {
				b.WriteByte(' ')
			}
			printNode(b, c)
		}
	case *Clause:
		b.WriteString(conjText[n.Conj])
		b.WriteString(modText[n.Mod])
		if n.Field != nil {
			printNode(b, n.Field)
		}
		printNode(b, n.X)
	case *Field:
		b.WriteString(n.Raw)
		b.WriteByte(':')
	case *Term:
		b.WriteString(n.Raw)
		if n.Kind == TermBareOp {
			b.WriteByte(' ')
		}
		suffixes(b, n.Fuzzy, n.Boost)
	case *Phrase:
		b.WriteString(n.Raw)
		suffixes(b, n.Fuzzy, n.Boost)
	case *Range:
		if n.LowerInclusive {
			b.WriteByte('[')
		} else {
			b.WriteByte('{')
		}
		printNode(b, n.Lower)
		b.WriteString(" TO ")
		printNode(b, n.Upper)
		if n.UpperInclusive {
			b.WriteByte(']')
		} else {
			b.WriteByte('}')
		}
		suffixes(b, nil, n.Boost)
	case *Bound:
		b.WriteString(n.Raw)
	case *Group:
		b.WriteByte('(')
		printNode(b, n.Body)
		b.WriteByte(')')
		suffixes(b, nil, n.Boost)
	case *BadExpr:
	}
}

func suffixes(b *strings.Builder, fuzzy, boost *Suffix) {
	if fuzzy != nil {
		b.WriteString(fuzzy.Raw)
	}
	if boost != nil {
		b.WriteString(boost.Raw)
	}
}

// Equal tells whether two trees are the same, spans aside.
func Equal(a, b Node) bool {
	return tree.Equal(a, b, tree.Options{Skip: func(_ reflect.Type, f reflect.StructField) bool { return f.Name == "Src" }})
}
