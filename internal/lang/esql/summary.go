package esql

import (
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Fields returns the fields a query reads, sorted, each once: the names of
// its expressions (WHERE, EVAL, STATS and BY, SORT, DISSECT and GROK
// inputs, function arguments...), MV_EXPAND's field, ENRICH's match field
// and CHANGE_POINT's fields. Names only written (EVAL x = ...), KEEP and
// DROP patterns, RENAME's names and function names are not read fields.
// A column made earlier in the query (EVAL x = ..., then WHERE x > 1) is
// read all the same: see Assigned.
func Fields(root Node) []string {
	set := map[string]bool{}
	Inspect(root, func(n Node) bool {
		switch n := n.(type) {
		case *FieldRef:
			set[n.Name.String()] = true
			return false
		case *MvExpandCommand:
			set[n.Field.String()] = true
		case *EnrichCommand:
			if n.On != nil {
				set[n.On.String()] = true
			}
			return false
		case *ChangePointCommand:
			set[n.Value.String()] = true
			if n.Key != nil {
				set[n.Key.String()] = true
			}
			return false
		case *KeepCommand, *DropCommand, *RenameCommand:
			return false
		}
		return true
	})
	return sortedKeys(set)
}

// Assigned returns the columns a query makes, sorted, each once: the names
// of EVAL, ROW, STATS (aggregations and BY groups written name = ...),
// COMPLETION and RERANK targets, the new names of RENAME and ENRICH WITH,
// and the keys of DISSECT and GROK patterns (%{name}).
func Assigned(root Node) []string {
	set := map[string]bool{}
	add := func(n *Name) {
		if n != nil && len(n.Parts) > 0 {
			set[n.String()] = true
		}
	}
	Inspect(root, func(n Node) bool {
		switch n := n.(type) {
		case *Field:
			add(n.Name)
		case *CompletionCommand:
			add(n.Target)
		case *RerankCommand:
			add(n.Target)
		case *RenameClause:
			add(n.New)
		case *EnrichWith:
			if n.NewName != nil {
				add(n.NewName)
			} else {
				add(n.Field)
			}
		case *DissectCommand:
			for _, k := range DissectKeys(n.Pattern.Value) {
				set[k] = true
			}
		case *GrokCommand:
			for _, p := range n.Patterns {
				for _, k := range GrokKeys(p.Value) {
					set[k] = true
				}
			}
		case *ChangePointCommand:
			add(n.TypeName)
			add(n.PvalueName)
		}
		return true
	})
	return sortedKeys(set)
}

var dissectKey = regexp.MustCompile(`%\{([^}]*)\}`)

// DissectKeys returns the columns a DISSECT pattern makes: the names of its
// %{key} (modifiers +, ?, *, & and ->  removed; an empty or ? key makes none).
// https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-process-data-with-dissect-and-grok.html
func DissectKeys(pattern string) []string {
	var keys []string
	for _, m := range dissectKey.FindAllStringSubmatch(pattern, -1) {
		k := m[1]
		if strings.HasPrefix(k, "?") || strings.HasPrefix(k, "*") || strings.HasPrefix(k, "&") {
			continue
		}
		k = strings.TrimPrefix(k, "+")
		if i := strings.Index(k, "->"); i >= 0 {
			k = k[:i]
		}
		if i := strings.IndexByte(k, '/'); i >= 0 {
			k = k[:i]
		}
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

var grokKey = regexp.MustCompile(`%\{\w+:([^:}]+)(?::\w+)?\}`)

// GrokKeys returns the columns a GROK pattern makes: the names of its
// %{SYNTAX:name} and %{SYNTAX:name:type}.
func GrokKeys(pattern string) []string {
	var keys []string
	for _, m := range grokKey.FindAllStringSubmatch(pattern, -1) {
		if !slices.Contains(keys, m[1]) {
			keys = append(keys, m[1])
		}
	}
	return keys
}

// Functions returns the functions a query calls, in lower case (function
// names are case-insensitive), sorted, each once.
func Functions(root Node) []string {
	set := map[string]bool{}
	Inspect(root, func(n Node) bool {
		if c, ok := n.(*Call); ok {
			set[c.Lower()] = true
		}
		return true
	})
	return sortedKeys(set)
}

// CommandNames returns the names of a query's commands in order (upper
// case; INLINE STATS and INLINESTATS as written; an unknown command's name
// as written), the commands of FORK branches after FORK.
func CommandNames(root Node) []string {
	var names []string
	Inspect(root, func(n Node) bool {
		switch n := n.(type) {
		case *FromCommand:
			names = append(names, n.Keyword.String())
		case *RowCommand:
			names = append(names, "ROW")
		case *ShowCommand:
			names = append(names, "SHOW")
		case *WhereCommand:
			names = append(names, "WHERE")
		case *EvalCommand:
			names = append(names, "EVAL")
		case *StatsCommand:
			names = append(names, n.Keyword)
		case *KeepCommand:
			names = append(names, "KEEP")
		case *DropCommand:
			names = append(names, "DROP")
		case *RenameCommand:
			names = append(names, "RENAME")
		case *SortCommand:
			names = append(names, "SORT")
		case *LimitCommand:
			names = append(names, "LIMIT")
		case *DissectCommand:
			names = append(names, "DISSECT")
		case *GrokCommand:
			names = append(names, "GROK")
		case *MvExpandCommand:
			names = append(names, "MV_EXPAND")
		case *EnrichCommand:
			names = append(names, "ENRICH")
		case *JoinCommand:
			names = append(names, n.Type.String()+" JOIN")
		case *ChangePointCommand:
			names = append(names, "CHANGE_POINT")
		case *CompletionCommand:
			names = append(names, "COMPLETION")
		case *RerankCommand:
			names = append(names, "RERANK")
		case *SampleCommand:
			names = append(names, "SAMPLE")
		case *ForkCommand:
			names = append(names, "FORK")
		case *UnknownCommand:
			names = append(names, n.Name)
		}
		_, isCmd := n.(Command)
		_, isQ := n.(*Query)
		_, isFork := n.(*ForkCommand)
		_, isBranch := n.(*ForkBranch)
		return isQ || isFork || isBranch || !isCmd
	})
	return names
}

// Predicate is one test of a query, as a reader of the rule sees it: a
// comparison, IN, LIKE, RLIKE, IS [NOT] NULL or : (match), wherever it is
// (WHERE, EVAL's CASE, a STATS filter...), in source order.
type Predicate struct {
	Kind    string   // comparison, in, like, rlike, is_null, match
	Left    string   // the left operand, printed
	Op      string   // ==, !=, <, <=, >, >=, IN, LIKE, RLIKE, IS NULL, IS NOT NULL, :
	Values  []string // strings decoded, numbers as written, other operands printed
	Negated bool     // under an odd number of NOTs, NOT IN, NOT LIKE, NOT RLIKE counted
	Node    Expr     // the predicate's node
}

// Predicates returns the predicates of a query in source order.
func Predicates(root Node) []Predicate {
	var out []Predicate
	var visit func(n Node, neg bool)
	visit = func(n Node, neg bool) {
		if n == nil {
			return
		}
		switch x := n.(type) {
		case *UnaryExpr:
			if x.Op == Not {
				visit(x.X, !neg)
				return
			}
		case *BinaryExpr:
			if isComparison(x.Op) {
				out = append(out, Predicate{Kind: "comparison", Left: Print(x.X), Op: x.Op.String(),
					Values: []string{operandValue(x.Y)}, Negated: neg, Node: x})
			}
		case *InExpr:
			p := Predicate{Kind: "in", Left: Print(x.X), Op: "IN", Negated: neg != x.Not, Node: x}
			for _, v := range x.List {
				p.Values = append(p.Values, operandValue(v))
			}
			out = append(out, p)
		case *LikeExpr:
			p := Predicate{Kind: strings.ToLower(x.Op.String()), Left: Print(x.X), Op: x.Op.String(), Negated: neg != x.Not, Node: x}
			for _, v := range x.Patterns {
				p.Values = append(p.Values, operandValue(v))
			}
			out = append(out, p)
		case *IsNullExpr:
			op := "IS NULL"
			if x.Not {
				op = "IS NOT NULL"
			}
			out = append(out, Predicate{Kind: "is_null", Left: Print(x.X), Op: op, Values: []string{}, Negated: neg, Node: x})
		case *MatchExpr:
			out = append(out, Predicate{Kind: "match", Left: Print(x.Field), Op: ":", Values: []string{operandValue(x.Query)}, Negated: neg, Node: x})
		}
		eachChild(n, func(c Node) { visit(c, neg) })
	}
	visit(root, false)
	return out
}

// operandValue renders an operand: a string decoded, a number as written,
// anything else printed.
func operandValue(x Expr) string {
	if l, ok := x.(*Literal); ok {
		if l.Kind == LitString {
			return l.Value
		}
		return l.Raw
	}
	return Print(x)
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
