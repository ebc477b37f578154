package kuery

import (
	"slices"
	"strings"
)

// PredKind is the kind of a predicate.
type PredKind uint8

// Predicate kinds, as Kibana's functions: `is` (field:value, or free text),
// `exists` (field:*) and `range` (field < value...).
const (
	PredIs PredKind = iota
	PredExists
	PredRange
)

func (k PredKind) String() string {
	switch k {
	case PredExists:
		return "exists"
	case PredRange:
		return "range"
	}
	return "is"
}

// Predicate is one test of a query on one field, with what the lowering
// needs to know of it.
type Predicate struct {
	Kind PredKind
	// Field is the decoded field name, prefixed with the nested path
	// (path.field) inside a nested query; "" for free text.
	Field string
	// FieldWildcard tells that Field has an unescaped `*` (it names every
	// matching field).
	FieldWildcard bool
	// Value is the decoded value ("" for exists). Stars are the offsets in
	// Value of its `*` wildcards.
	Value string
	Stars []int
	// Type is the literal's type (true, false and null unquoted are typed).
	Type LitType
	// Op is the range operator (Lt, Le, Gt, Ge) of a range.
	Op Kind
	// Quoted tells that the value was a quoted phrase (no wildcards).
	Quoted bool
	// Negated tells that an odd number of NOTs apply to the predicate.
	Negated bool
	// Nested is the path of the enclosing nested queries, "" if none.
	Nested string
	// Node is the literal of the value (is, exists) or the *Range.
	Node Node
}

// Wildcard tells whether the value has a `*` wildcard.
func (p *Predicate) Wildcard() bool { return len(p.Stars) > 0 }

// Predicates lists the predicates of the tree under root, in source order.
// Free text is a PredIs with no field. Bad nodes give none.
func Predicates(root Node) []Predicate {
	var out []Predicate
	collect(root, false, "", func(p Predicate) { out = append(out, p) })
	return out
}

// Fields lists the fields the tree under root names, sorted and without
// repeats: every field of a match or a range (with its nested path) and
// every nested path.
func Fields(root Node) []string {
	var out []string
	Inspect(root, func(n Node) bool {
		if x, ok := n.(*Nested); ok {
			out = append(out, x.Field.Value)
			for _, f := range Fields(x.X) {
				out = append(out, x.Field.Value+"."+f)
			}
			return false
		}
		switch x := n.(type) {
		case *Match:
			if x.Field != nil {
				out = append(out, x.Field.Value)
			}
		case *Range:
			out = append(out, x.Field.Value)
		}
		return true
	})
	slices.Sort(out)
	return slices.Compact(out)
}

func joinPath(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func collect(n Node, neg bool, path string, emit func(Predicate)) {
	switch n := n.(type) {
	case *Query:
		if n.X != nil {
			collect(n.X, neg, path, emit)
		}
	case *BoolExpr:
		for _, x := range n.Args {
			collect(x, neg, path, emit)
		}
	case *NotExpr:
		collect(n.X, !neg, path, emit)
	case *ParenExpr:
		collect(n.X, neg, path, emit)
	case *Nested:
		collect(n.X, neg, joinPath(path, n.Field.Value), emit)
	case *Range:
		emit(Predicate{Kind: PredRange, Field: joinPath(path, n.Field.Value), FieldWildcard: n.Field.Wildcard(),
			Value: n.Value.Value, Stars: n.Value.Stars, Type: n.Value.Type, Op: n.Op, Quoted: n.Value.Quoted,
			Negated: neg, Nested: path, Node: n})
	case *Match:
		field, fw := "", false
		if n.Field != nil {
			field, fw = joinPath(path, n.Field.Value), n.Field.Wildcard()
		}
		collectValues(n.Value, neg, func(l *Literal, neg bool) {
			p := Predicate{Kind: PredIs, Field: field, FieldWildcard: fw, Value: l.Value, Stars: l.Stars,
				Type: l.Type, Quoted: l.Quoted, Negated: neg, Nested: path, Node: l}
			if n.Field != nil && l.IsExistsValue() {
				p.Kind, p.Value, p.Stars = PredExists, "", nil
			}
			emit(p)
		})
	}
}

func collectValues(v ValueExpr, neg bool, emit func(*Literal, bool)) {
	switch v := v.(type) {
	case *Literal:
		emit(v, neg)
	case *ValueBool:
		for _, x := range v.Args {
			collectValues(x, neg, emit)
		}
	case *ValueNot:
		collectValues(v.X, !neg, emit)
	case *ValueGroup:
		collectValues(v.X, neg, emit)
	}
}

// Pattern returns the literal's value as a pattern in which `*` is the
// wildcard and a literal star, question mark or backslash is escaped with a
// backslash: the form Elasticsearch's wildcard and query_string queries
// take (Kibana escapes `?`, which KQL does not treat as a wildcard).
func (l *Literal) Pattern() string {
	if len(l.Stars) == 0 && !strings.ContainsAny(l.Value, `*?\`) {
		return l.Value
	}
	var b strings.Builder
	j := 0
	for i := 0; i < len(l.Value); i++ {
		c := l.Value[i]
		if j < len(l.Stars) && l.Stars[j] == i {
			b.WriteByte('*')
			j++
			continue
		}
		if c == '*' || c == '?' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
