package lucene

import (
	"slices"
	"strings"
)

// Occur is what a clause is to its boolean query, as Lucene's BooleanClause.Occur.
type Occur uint8

// Occurs: a SHOULD clause of a query that has a MUST clause only adds to
// the score; a query of SHOULD clauses only needs one of them; a MUST_NOT
// clause excludes.
const (
	Should Occur = iota
	Must
	MustNot
)

func (o Occur) String() string {
	switch o {
	case Must:
		return "must"
	case MustNot:
		return "must_not"
	}
	return "should"
}

// Occurs returns the occur of each clause, as Lucene's
// QueryParserBase.addClause sets it: AND makes the clause before it and
// itself MUST (unless prohibited), + is MUST, - and NOT are MUST_NOT; with
// the default operator OR (defaultAnd false: Elasticsearch's
// query_string default) a clause with neither is SHOULD, with AND it is
// MUST unless introduced by OR (which also makes the clause before it
// SHOULD). So `a OR b AND c` is `a +b +c`, where a only scores: see
// https://www.elastic.co/docs/reference/query-languages/query-dsl/query-dsl-query-string-query#query-string-syntax
// (Boolean operators).
func (b *BooleanQuery) Occurs(defaultAnd bool) []Occur {
	out := make([]Occur, len(b.Clauses))
	for i, c := range b.Clauses {
		if i > 0 && c.Conj == And && out[i-1] != MustNot {
			out[i-1] = Must
		}
		if i > 0 && defaultAnd && c.Conj == Or && out[i-1] != MustNot {
			out[i-1] = Should
		}
		prohibited := c.Mod == Minus || c.Mod == Not
		var required bool
		if defaultAnd {
			required = !prohibited && c.Conj != Or
		} else {
			required = c.Mod == Plus || c.Conj == And && !prohibited
		}
		switch {
		case prohibited:
			out[i] = MustNot
		case required:
			out[i] = Must
		default:
			out[i] = Should
		}
	}
	return out
}

// PredKind is the kind of a predicate: the Lucene query a clause makes.
type PredKind uint8

// Predicate kinds.
const (
	PredTerm     PredKind = iota // field:value (a term query, or a match on an analysed field)
	PredPhrase                   // field:"a phrase" (Slop: ~n)
	PredPrefix                   // field:val* (Value without the *)
	PredWildcard                 // field:v?l*e (Value the pattern as written)
	PredRegexp                   // field:/re/
	PredFuzzy                    // field:value~2
	PredRange                    // field:[a TO b], field:{a TO b}, field:>=10 (Elasticsearch)
	PredExists                   // _exists_:field, field:* (Elasticsearch)
	PredMatchAll                 // *:* or a bare *
)

var predNames = [...]string{"term", "phrase", "prefix", "wildcard", "regexp", "fuzzy", "range", "exists", "match_all"}

func (k PredKind) String() string { return predNames[k] }

// Predicate is one test of a query on one field.
type Predicate struct {
	Kind PredKind
	// Field is the field name (escapes removed), inherited from the
	// enclosing field:( ... ) group; "" is the default field, "*" every field.
	Field string
	// Value is the term, phrase, prefix, pattern or expression; for
	// exists, the field tested (Field is "_exists_" or the field of field:*).
	Value string
	// Wild are the offsets in Value of the wildcards of a wildcard term.
	Wild []int
	// Slop is the fuzzy edit distance or the phrase slop, as written ("" when absent).
	Slop string
	// Lower and Upper are the bounds of a range ("" when open);
	// LowerInclusive and UpperInclusive say whether they are in it.
	Lower, Upper                   string
	LowerOpen, UpperOpen           bool
	LowerInclusive, UpperInclusive bool
	// Occur is the occur of the predicate's own clause in its boolean
	// query (default operator OR); Negated tells that an odd number of
	// MUST_NOT clauses hold it (its own included).
	Occur   Occur
	Negated bool
	// Node is the term, phrase or range.
	Node Node
}

// Predicates lists the predicates of the tree under root, in source order.
func Predicates(root Node) []Predicate {
	var out []Predicate
	collect(root, "", false, &out)
	return out
}

func collect(n Node, field string, neg bool, out *[]Predicate) {
	switch n := n.(type) {
	case *Query:
		if n.Body != nil {
			collect(n.Body, field, neg, out)
		}
	case *Group:
		collect(n.Body, field, neg, out)
	case *BooleanQuery:
		occurs := n.Occurs(false)
		for i, c := range n.Clauses {
			f := field
			if c.Field != nil {
				f = c.Field.Name
			}
			start := len(*out)
			collect(c.X, f, neg != (occurs[i] == MustNot), out)
			for j := start; j < len(*out); j++ {
				if (*out)[j].Node == c.X {
					(*out)[j].Occur = occurs[i]
				}
			}
		}
	case *Term:
		p := Predicate{Field: field, Value: n.Value, Negated: neg, Node: n, Slop: n.Fuzzy.Value()}
		switch n.Kind {
		case TermStar:
			p.Kind, p.Value = PredExists, field
			if field == "" || field == "*" {
				p.Kind, p.Value = PredMatchAll, ""
			}
		case TermPrefix:
			p.Kind = PredPrefix
		case TermWildcard:
			p.Kind, p.Wild = PredWildcard, n.Wild
		case TermRegexp:
			p.Kind = PredRegexp
		default:
			if op, v, ok := n.Comparison(); ok {
				p.Kind = PredRange
				p.Value = ""
				switch op {
				case ">", ">=":
					p.Lower, p.LowerInclusive, p.UpperOpen = v, op == ">=", true
				default:
					p.Upper, p.UpperInclusive, p.LowerOpen = v, op == "<=", true
				}
			} else if n.Fuzzy != nil {
				p.Kind = PredFuzzy
			}
		}
		if field == "_exists_" && p.Kind != PredRange {
			p.Kind = PredExists
		}
		*out = append(*out, p)
	case *Phrase:
		*out = append(*out, Predicate{Kind: PredPhrase, Field: field, Value: n.Value, Slop: n.Fuzzy.Value(), Negated: neg, Node: n})
	case *Range:
		p := Predicate{Kind: PredRange, Field: field, Negated: neg, Node: n,
			LowerInclusive: n.LowerInclusive, UpperInclusive: n.UpperInclusive,
			LowerOpen: n.Lower.Open(), UpperOpen: n.Upper.Open()}
		if !p.LowerOpen {
			p.Lower = n.Lower.Value
		}
		if !p.UpperOpen {
			p.Upper = n.Upper.Value
		}
		*out = append(*out, p)
	}
}

// Comparison reads Elasticsearch's one-sided ranges, a plain term that
// starts with >, >=, < or <= (age:>=10): it returns the operator and the
// bound. Elasticsearch's QueryStringQueryParser.getFieldQuery reads >=
// only before at least one more character (">=" alone is "> =").
func (t *Term) Comparison() (op, value string, ok bool) {
	if t.Kind != TermPlain || len(t.Value) < 2 {
		return "", "", false
	}
	v := t.Value
	switch v[0] {
	case '>', '<':
		if len(v) > 2 && v[1] == '=' {
			return v[:2], v[2:], true
		}
		return v[:1], v[1:], true
	}
	return "", "", false
}

// Fields lists the fields the tree under root names, sorted and without
// repeats: every field: prefix and the field of every _exists_:field; not
// "*" (every field) nor the default field.
func Fields(root Node) []string {
	var out []string
	for _, p := range Predicates(root) {
		switch {
		case p.Kind == PredExists && p.Field == "_exists_":
			out = append(out, p.Value)
		case p.Field != "" && p.Field != "*":
			out = append(out, p.Field)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Pattern returns a wildcard term's value; for a prefix term, the prefix
// with its escapes put back and a * after it, in Lucene's wildcard syntax.
func (t *Term) Pattern() string {
	if t.Kind == TermPrefix {
		var b strings.Builder
		for _, r := range t.Value {
			if strings.ContainsRune(`*?\`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('*')
		return b.String()
	}
	return t.Value
}
