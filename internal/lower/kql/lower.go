package lowerkql

import (
	"github.com/ruledex/ruledex/internal/lang/diag"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/kql"
	"github.com/ruledex/ruledex/internal/rule"
)

// The KQL lowering.
//
//   - The query statement (the last one that is not a let, set or declare)
//     is the rule's pipeline; each let before it is a Param (scalar, tabular
//     or function) with its text as value.
//   - Stages: the pipeline's source (a table, or a let's name with the let's
//     own stages inside), then one stage per operator. join, lookup and
//     union arguments, mv-apply's subquery and fork's branches are inner
//     stages, each pipeline with its own source stage.
//   - Predicates: the leaves of every where (and parse-where, search)
//     condition, through and/or; not(...) negates. A scalar let used as a
//     value is substituted. Comparisons of a column with ago(...) set the
//     stage's time window instead.
//   - Indicators: the distinct positive predicates whose values are literal.
//   - Outputs: the columns the pipeline ends with, named as Kusto names
//     them, each with the stage that makes it; tables whose columns are
//     unknown (no schema) are "Table.*".
//
// LowerKQL fills the query-derived parts of a KQL rule.
func LowerKQL(it lang.Item) {
	r := it.Rule
	s, errs := kql.ParseString(r.Query)
	base := r.QueryLine
	if base < 1 {
		base = 1
	}
	for i, e := range errs {
		if i == 20 {
			r.AddDiagnostic(rule.SevError, base+e.Line-1, e.Col, strconv.Itoa(len(errs)-20)+" more KQL syntax errors")
			break
		}
		r.AddDiagnostic(rule.SevError, base+e.Line-1, e.Col, "KQL: "+e.Msg)
	}
	sum := kql.Summarize(s)
	r.Tables, r.Operators, r.Functions = sum.Tables, sum.Operators, sum.Functions
	l := &kqlLowering{r: r, src: r.Query, lets: map[string]*kql.LetStmt{}}
	l.lower(s)
}

type kqlLowering struct {
	r        *rule.Rule
	src      string
	lets     map[string]*kql.LetStmt
	inlined  int // depth of let pipelines lowered inside stages
	indIndex map[indicatorKey]int
	// indValues is the set of each indicator's values (by index), so
	// that a repeat is dropped in constant time (an in list of 100,000
	// values took 14 s when each was looked for in the list so far)
	indValues []map[string]struct{}
	keywords  []string
	kwSeen    map[string]bool
	lines     *diag.Lines // the query's lines, made on first use
	depth     int         // pipelines being lowered: 1 for the query's own
	groupBy   []string
	cur       *schema        // the columns before the operator being lowered
	joinOn    map[int]string // top-level join stage → its keys ("Caller = UserPrincipalName")
	conns     map[int]string // top-level where stage → "and", "or" or "" (both) joining its predicates
}

// connective tells how a condition joins its tests: "and", "or", or ""
// when it mixes both.
func connective(x kql.Expr) string {
	and, or := false, false
	kql.Inspect(x, func(n kql.Node) bool {
		if b, ok := n.(*kql.BinaryExpr); ok {
			switch b.Op {
			case "and":
				and = true
			case "or":
				or = true
			}
		}
		_, sub := n.(*kql.PipeExpr)
		return !sub
	})
	switch {
	case and && or:
		return ""
	case or:
		return "or"
	}
	return "and"
}

func (l *kqlLowering) text(n kql.Node) string {
	p, e := n.Span()
	if p < 0 || e > len(l.src) || p > e {
		return ""
	}
	return strings.TrimSpace(l.src[p:e])
}

// lineCol returns the 1-based line and column (in runes, as package diag
// counts them) of a byte offset of the query.
func (l *kqlLowering) lineCol(off int) (int, int) {
	if l.lines == nil {
		l.lines = diag.NewLines([]byte(l.src))
	}
	return l.lines.Position(off)
}

func (l *kqlLowering) keyword(k string) {
	if k == "" || k[0] == '$' || l.lets[k] != nil {
		return
	}
	if l.kwSeen == nil {
		l.kwSeen = map[string]bool{}
	}
	if !l.kwSeen[k] {
		l.kwSeen[k] = true
		l.keywords = append(l.keywords, k)
	}
}

func (l *kqlLowering) lower(s *kql.Script) {
	r := l.r
	var main kql.Expr
	for _, st := range s.Stmts {
		switch st := st.(type) {
		case *kql.LetStmt:
			l.lets[st.Name.Name] = st
			r.Params = append(r.Params, l.param(st))
		case *kql.ExprStmt:
			main = st.X
		}
	}
	if main != nil {
		stages, sch := l.pipeline(main)
		r.Stages = stages
		l.outputs(sch)
		for _, st := range stages {
			if st.TimeWindow != "" && r.TimeWindow == "" {
				r.TimeWindow = st.TimeWindow
			}
		}
		r.GroupBy = l.groupBy
	}
	l.collectKeywords(s)
	r.Keywords = l.keywords
	l.mapEntities()
	l.explain(main)
}

// param describes a let: scalar (its value), tabular (a pipeline) or function.
func (l *kqlLowering) param(st *kql.LetStmt) rule.Param {
	p := rule.Param{Name: st.Name.Name, Value: l.text(st.Value), Kind: "scalar"}
	switch v := st.Value.(type) {
	case *kql.FuncDef:
		p.Kind = "function"
		if v.View {
			p.Kind = "view"
		}
	case *kql.PipeExpr, *kql.DataTableExpr:
		p.Kind = "tabular"
	case *kql.CallExpr:
		if id, ok := v.Fun.(*kql.Ident); ok && id.Name == "materialize" {
			p.Kind = "tabular"
		}
	case *kql.Ident:
		if l.lets[v.Name] == nil && isTableName(v.Name) {
			p.Kind = "tabular"
		}
	}
	return p
}

// isTableName guesses, for a let bound to a bare name, whether the name is
// a table: Kusto tables are written in PascalCase.
func isTableName(s string) bool { return s != "" && s[0] >= 'A' && s[0] <= 'Z' }

// ---- stages

// column is a column of a pipeline's result as the lowering knows it; a
// wildcard entry (all columns of a table whose schema is unknown) has All set.
type column struct {
	name  string
	all   bool // name is a table: all of its columns
	src   string
	stage int
	expr  string
}

type schema struct {
	cols []column
}

func (s *schema) has(name string) int {
	for i, c := range s.cols {
		if !c.all && c.name == name {
			return i
		}
	}
	return -1
}

func (s *schema) open() bool {
	for _, c := range s.cols {
		if c.all {
			return true
		}
	}
	return false
}

// unique returns name, or name1, name2... if the schema has it already;
// "" becomes the first free ColumnN.
func (s *schema) unique(name string) string {
	if name == "" {
		for n := 1; ; n++ {
			c := "Column" + strconv.Itoa(n)
			if s.has(c) < 0 {
				return c
			}
		}
	}
	if s.has(name) < 0 {
		return name
	}
	for n := 1; ; n++ {
		c := name + strconv.Itoa(n)
		if s.has(c) < 0 {
			return c
		}
	}
}

// flatten returns a pipeline's source expression and its operators in order.
func flatten(x kql.Expr) (kql.Expr, []kql.TabularOp) {
	var ops []kql.TabularOp
	for {
		p, ok := x.(*kql.PipeExpr)
		if !ok {
			break
		}
		ops = append(ops, p.Op)
		x = p.Source
		if x == nil {
			break
		}
	}
	for i, j := 0, len(ops)-1; i < j; i, j = i+1, j-1 {
		ops[i], ops[j] = ops[j], ops[i]
	}
	return x, ops
}

// pipeline lowers a tabular expression into stages and the schema it ends with.
func (l *kqlLowering) pipeline(x kql.Expr) ([]rule.Stage, *schema) {
	for {
		p, ok := x.(*kql.ParenExpr)
		if !ok {
			break
		}
		x = p.X
	}
	src, ops := flatten(x)
	l.depth++
	defer func() { l.depth-- }()
	var stages []rule.Stage
	sch := &schema{}
	if src != nil {
		st := l.sourceStage(src, sch)
		st.N = 1
		stages = append(stages, st)
	}
	for _, o := range ops {
		var st rule.Stage
		switch op := o.(type) {
		case *kql.Operator:
			st = l.operatorStage(op, sch, len(stages)+1)
		case *kql.BadOperator:
			// what could not be read stays a stage, so that the stages
			// after it keep their numbers; its kind says it is unknown
			st = l.stage("?", op)
		}
		st.N = len(stages) + 1
		stages = append(stages, st)
	}
	return stages, sch
}

func (l *kqlLowering) stage(kind string, n kql.Node) rule.Stage {
	p, _ := n.Span()
	line, col := l.lineCol(p)
	return rule.Stage{Kind: kind, Text: l.text(n), Line: line, Col: col}
}

// sourceStage makes the first stage of a pipeline from its source expression.
func (l *kqlLowering) sourceStage(src kql.Expr, sch *schema) rule.Stage {
	st := l.stage("source", src)
	switch s := src.(type) {
	case *kql.Ident:
		st.Source = s.Name
		if let := l.lets[s.Name]; let != nil && l.inlined < 4 {
			if _, isFunc := let.Value.(*kql.FuncDef); !isFunc {
				l.inlined++
				inner, isch := l.pipeline(let.Value)
				l.inlined--
				st.Stages = inner
				sch.cols = append(sch.cols, isch.cols...)
				return st
			}
		}
		sch.cols = append(sch.cols, column{name: s.Name, all: true, src: "source", stage: 1})
	case *kql.CallExpr:
		st.Source = l.text(s)
		sch.cols = append(sch.cols, column{name: l.text(s.Fun), all: true, src: "source", stage: 1})
	case *kql.DataTableExpr:
		st.Source = s.Keyword
		for _, c := range s.Schema {
			sch.cols = append(sch.cols, column{name: c.Name.Name, src: "source", stage: 1})
		}
	default:
		st.Source = l.text(src)
		sch.cols = append(sch.cols, column{name: st.Source, all: true, src: "source", stage: 1})
	}
	return st
}

// operatorStage makes the stage of one operator and applies its effect on
// the schema.
func (l *kqlLowering) operatorStage(op *kql.Operator, sch *schema, n int) rule.Stage {
	st := l.stage(op.Keyword, op)
	l.cur = sch
	main := clause(op, "")
	switch op.Keyword {
	case "where", "parse-where":
		if op.Keyword == "parse-where" {
			l.parseColumns(op, sch, n)
			break
		}
		if len(main) > 0 {
			l.condition(&st, main[0], false)
			l.subqueries(&st, main[0])
			if l.depth == 1 {
				if l.conns == nil {
					l.conns = map[int]string{}
				}
				l.conns[n] = connective(main[0])
			}
		}
	case "search":
		if len(main) > 0 {
			l.condition(&st, main[0], false)
		}
		for _, x := range clause(op, "in") {
			if t, ok := x.(*kql.TupleExpr); ok {
				for _, e := range t.Elems {
					inner, _ := l.pipeline(e)
					st.Stages = append(st.Stages, inner...)
				}
			}
		}
		if len(clause(op, "in")) == 0 {
			sch.cols = []column{{name: "*", all: true, src: "search", stage: n}}
		}
	case "project":
		sch.cols = nil
		fallthrough
	case "extend", "serialize":
		for _, x := range main {
			l.assign(sch, x, op.Keyword, n)
		}
	case "print":
		for i, x := range main {
			if _, named := x.(*kql.NamedExpr); !named && kqlName(x) == "" {
				l.setColumn(sch, "print_"+strconv.Itoa(i), "print", n, l.text(x))
				continue
			}
			l.assign(sch, x, "print", n)
		}
	case "summarize":
		l.summarize(op, sch, n)
	case "distinct":
		if len(main) == 1 {
			if _, star := main[0].(*kql.StarExpr); star {
				break
			}
		}
		old := sch.cols
		sch.cols = nil
		for _, x := range main {
			name := kqlName(x)
			c := column{name: sch.unique(name), src: "distinct", stage: n, expr: l.text(x)}
			if i := indexOf(old, name); i >= 0 {
				c.src, c.stage, c.expr = old[i].src, old[i].stage, old[i].expr
			}
			sch.cols = append(sch.cols, c)
		}
	case "count":
		sch.cols = []column{{name: "Count", src: "count", stage: n}}
	case "getschema":
		sch.cols = nil
		for _, c := range []string{"ColumnName", "ColumnOrdinal", "DataType", "ColumnType"} {
			sch.cols = append(sch.cols, column{name: c, src: "getschema", stage: n})
		}
	case "project-away":
		for _, x := range main {
			pat := l.text(x)
			keep := sch.cols[:0]
			for _, c := range sch.cols {
				if c.all || !wildMatch(pat, c.name) {
					keep = append(keep, c)
				}
			}
			sch.cols = keep
		}
	case "project-keep":
		if !sch.open() {
			var keep []column
			for _, c := range sch.cols {
				for _, x := range main {
					if wildMatch(l.text(x), c.name) {
						keep = append(keep, c)
						break
					}
				}
			}
			sch.cols = keep
		}
	case "project-rename":
		for _, x := range main {
			ne, ok := x.(*kql.NamedExpr)
			if !ok {
				continue
			}
			newName, old := kqlName(ne.Name), kqlName(ne.Value)
			if i := sch.has(old); i >= 0 {
				sch.cols[i].name = newName
			} else {
				sch.cols = append(sch.cols, column{name: newName, src: "project-rename", stage: n, expr: l.text(ne.Value)})
			}
		}
	case "project-reorder":
		var first, rest []column
		used := map[int]bool{}
		for _, x := range main {
			pat := l.text(kqlUnorder(x))
			for i, c := range sch.cols {
				if !used[i] && !c.all && wildMatch(pat, c.name) {
					first = append(first, c)
					used[i] = true
				}
			}
		}
		for i, c := range sch.cols {
			if !used[i] {
				rest = append(rest, c)
			}
		}
		sch.cols = append(first, rest...)
	case "mv-expand", "mv-apply":
		for _, x := range main {
			if b, ok := x.(*kql.BinaryExpr); ok && b.Op == "to" {
				x = b.X
			}
			if ne, ok := x.(*kql.NamedExpr); ok {
				l.assign(sch, ne, op.Keyword, n)
			}
		}
		for _, p := range op.Params {
			if id, ok := p.Name.(*kql.Ident); ok && id.Name == "with_itemindex" {
				if i := sch.has(kqlName(p.Value)); i < 0 {
					sch.cols = append(sch.cols, column{name: kqlName(p.Value), src: op.Keyword, stage: n})
				}
			}
		}
		if op.Keyword == "mv-apply" {
			for _, x := range clause(op, "on") {
				inner, _ := l.pipeline(x)
				st.Stages = append(st.Stages, inner...)
			}
		}
	case "parse", "parse-kv":
		l.parseColumns(op, sch, n)
	case "join", "lookup":
		l.join(op, &st, sch, n)
	case "union":
		var cols []column
		known := true
		for _, x := range main {
			inner, isch := l.pipeline(x)
			st.Stages = append(st.Stages, inner...)
			if isch.open() {
				known = false
			}
			for _, c := range isch.cols {
				if indexOf(cols, c.name) < 0 {
					c.src, c.stage = "union", n
					cols = append(cols, c)
				}
			}
		}
		if len(st.Stages) > 0 && st.Source == "" {
			st.Source = st.Stages[0].Source
		}
		if sch.cols == nil || len(sch.cols) == 0 {
			sch.cols = cols
		} else {
			for _, c := range cols {
				if c.all || sch.has(c.name) < 0 {
					sch.cols = append(sch.cols, c)
				}
			}
		}
		_ = known
	case "make-series":
		l.makeSeries(op, sch, n)
	case "range":
		if len(main) > 0 {
			sch.cols = []column{{name: kqlName(main[0]), src: "range", stage: n}}
		}
	case "reduce":
		sch.cols = nil
		for _, c := range []string{"Pattern", "Count", "Representative"} {
			sch.cols = append(sch.cols, column{name: c, src: "reduce", stage: n})
		}
	case "sample-distinct":
		if of := clause(op, "of"); len(of) > 0 {
			sch.cols = []column{{name: kqlName(of[0]), src: "sample-distinct", stage: n}}
		}
	case "fork", "facet":
		for _, x := range main {
			if ne, ok := x.(*kql.NamedExpr); ok {
				x = ne.Value
			}
			inner, _ := l.pipeline(x)
			st.Stages = append(st.Stages, inner...)
		}
		for _, x := range clause(op, "with") {
			inner, _ := l.pipeline(x)
			st.Stages = append(st.Stages, inner...)
		}
	case "partition":
		for _, x := range main {
			inner, _ := l.pipeline(x)
			st.Stages = append(st.Stages, inner...)
		}
	case "evaluate", "invoke", "top-nested", "top-hitters", "scan", "make-graph", "graph-match":
		// the columns depend on the plugin, the function or the data
		sch.cols = []column{{name: op.Keyword, all: true, src: op.Keyword, stage: n, expr: l.text(op)}}
	}
	for i := range st.Stages {
		st.Stages[i].N = i + 1
	}
	return st
}

// clause returns the expressions of op's clause with keyword k.
func clause(op *kql.Operator, k string) []kql.Expr {
	for _, c := range op.Clauses {
		if c.Keyword == k {
			return c.Exprs
		}
	}
	return nil
}

func indexOf(cols []column, name string) int {
	for i, c := range cols {
		if !c.all && c.name == name {
			return i
		}
	}
	return -1
}

func kqlUnorder(x kql.Expr) kql.Expr {
	if o, ok := x.(*kql.OrderedExpr); ok {
		return o.X
	}
	return x
}

// wildMatch matches a column name against a pattern with * wildcards.
func wildMatch(pat, name string) bool {
	if !strings.Contains(pat, "*") {
		return pat == name
	}
	parts := strings.Split(pat, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	rest := name[len(parts[0]):]
	for i := 1; i < len(parts)-1; i++ {
		j := strings.Index(rest, parts[i])
		if j < 0 {
			return false
		}
		rest = rest[j+len(parts[i]):]
	}
	return strings.HasSuffix(rest, parts[len(parts)-1])
}

// assign adds (or, when it exists, replaces) the column an extend or
// project item makes.
func (l *kqlLowering) assign(sch *schema, x kql.Expr, src string, n int) {
	if ne, ok := x.(*kql.NamedExpr); ok {
		if tu, ok := ne.Name.(*kql.TupleExpr); ok {
			for _, e := range tu.Elems {
				l.setColumn(sch, kqlName(e), src, n, l.text(ne.Value))
			}
			return
		}
		l.setColumn(sch, kqlName(ne.Name), src, n, l.text(ne.Value))
		return
	}
	name := kqlName(x)
	if src == "project" {
		if i := sch.has(name); name != "" && i >= 0 {
			return
		}
		if id, ok := x.(*kql.Ident); ok && name != "" {
			// a column passed through keeps the stage that made it
			sch.cols = append(sch.cols, column{name: name, src: "project", stage: n, expr: id.Name})
			return
		}
		sch.cols = append(sch.cols, column{name: sch.unique(name), src: src, stage: n, expr: l.text(x)})
		return
	}
	if name == "" {
		name = sch.unique("")
	}
	l.setColumn(sch, name, src, n, l.text(x))
}

func (l *kqlLowering) setColumn(sch *schema, name, src string, n int, expr string) {
	if i := sch.has(name); i >= 0 {
		sch.cols[i] = column{name: name, src: src, stage: n, expr: expr}
		return
	}
	sch.cols = append(sch.cols, column{name: name, src: src, stage: n, expr: expr})
}

func (l *kqlLowering) summarize(op *kql.Operator, sch *schema, n int) {
	prev := sch.cols
	out := &schema{}
	var group []string
	for _, x := range clause(op, "by") {
		name := ""
		expr := x
		if ne, ok := x.(*kql.NamedExpr); ok {
			name, expr = kqlName(ne.Name), ne.Value
		} else {
			name = kqlName(x)
		}
		if name == "" {
			name = freeColumn(out, prev)
		}
		name = out.unique(name)
		out.cols = append(out.cols, column{name: name, src: "summarize", stage: n, expr: l.text(expr)})
		group = append(group, name)
	}
	for _, x := range clause(op, "") {
		var names []string
		expr := x
		if ne, ok := x.(*kql.NamedExpr); ok {
			expr = ne.Value
			if tu, ok := ne.Name.(*kql.TupleExpr); ok {
				for _, e := range tu.Elems {
					names = append(names, kqlName(e))
				}
			} else {
				names = []string{kqlName(ne.Name)}
			}
		}
		if names == nil {
			names = aggregateNames(expr, prev)
			for i, nm := range names {
				if nm == "" {
					names[i] = freeColumn(out, prev)
				}
			}
		} else if c, ok := expr.(*kql.CallExpr); ok && len(names) == 1 && expandsArgs(c) {
			// (T) = arg_max(T, *): the named first column, then the rest
			rest := aggregateNames(expr, prev)
			if len(rest) > 0 {
				names = append(names, rest[1:]...)
			}
		}
		firstArg := ""
		if c, ok := expr.(*kql.CallExpr); ok && expandsArgs(c) && len(c.Args) > 0 {
			firstArg = kqlName(c.Args[0])
		}
		for _, nm := range names {
			if nm == "*" {
				for _, c := range prev {
					if !c.all && c.name == firstArg {
						continue // the first argument is its own column, however named
					}
					if c.all {
						out.cols = append(out.cols, c)
					} else if out.has(c.name) < 0 {
						out.cols = append(out.cols, column{name: c.name, src: c.src, stage: c.stage, expr: c.expr})
					}
				}
				continue
			}
			out.cols = append(out.cols, column{name: out.unique(nm), src: "summarize", stage: n, expr: l.text(expr)})
		}
	}
	sch.cols = out.cols
	if l.depth == 1 {
		l.groupBy = group // the last summarize of the query's own pipeline
	}
}

// freeColumn returns the first ColumnN that neither the result being built
// nor the input has: Kusto numbers unnamed columns past the input's.
func freeColumn(out *schema, prev []column) string {
	for n := 1; ; n++ {
		c := "Column" + strconv.Itoa(n)
		if out.has(c) < 0 && indexOf(prev, c) < 0 {
			return c
		}
	}
}

// expandsArgs tells whether an aggregate makes one column per argument
// (arg_max, arg_min, take_any).
func expandsArgs(c *kql.CallExpr) bool {
	switch strings.ToLower(funcName(c)) {
	case "arg_max", "arg_min", "argmax", "argmin", "take_any", "any", "take_anyif", "anyif":
		return true
	}
	return false
}

// aggregateNames returns the names Kusto gives the columns an unnamed
// aggregate makes; "*" stands for every column before.
func aggregateNames(x kql.Expr, prev []column) []string {
	c, ok := x.(*kql.CallExpr)
	if !ok {
		return []string{kqlName(x)}
	}
	name := strings.ToLower(funcName(c))
	switch name {
	case "arg_max", "arg_min", "take_any", "any":
		var out []string
		for _, a := range c.Args {
			if _, star := a.(*kql.StarExpr); star {
				out = append(out, "*")
				continue
			}
			out = append(out, kqlName(a))
		}
		if name == "any" && len(c.Args) == 1 {
			if _, star := c.Args[0].(*kql.StarExpr); !star {
				return []string{"any_" + kqlName(c.Args[0])}
			}
		}
		return out
	case "take_anyif", "anyif":
		if len(c.Args) > 0 {
			if name == "anyif" {
				return []string{"anyif_" + kqlName(c.Args[0])}
			}
			return []string{kqlName(c.Args[0])}
		}
	case "percentile", "percentilew":
		if len(c.Args) >= 2 {
			return []string{"percentile_" + kqlName(c.Args[0]) + "_" + percentileSuffix(c.Args[len(c.Args)-1])}
		}
	case "percentiles", "percentilesw":
		var out []string
		for _, a := range c.Args[min(1, len(c.Args)):] {
			out = append(out, "percentile_"+kqlName(c.Args[0])+"_"+percentileSuffix(a))
		}
		return out
	}
	return []string{kqlName(x)}
}

func percentileSuffix(x kql.Expr) string {
	if lit, ok := x.(*kql.Literal); ok {
		return strings.ReplaceAll(lit.Value, ".", "_")
	}
	return ""
}

func funcName(c *kql.CallExpr) string {
	switch f := c.Fun.(type) {
	case *kql.Ident:
		return f.Name
	case *kql.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// kqlName is the name Kusto gives the column an expression makes when the
// query does not name it: a column's name, a path's parts joined by _, a
// function's result name (make_list(X) → list_X, count() → count_); ""
// when Kusto would call it ColumnN.
func kqlName(x kql.Expr) string {
	switch x := x.(type) {
	case *kql.Ident:
		return x.Name
	case *kql.WildcardName:
		return x.Text
	case *kql.SelectorExpr:
		if id, ok := x.X.(*kql.Ident); ok && (id.Name == "$left" || id.Name == "$right") {
			return x.Sel.Name
		}
		b := kqlName(x.X)
		if b == "" {
			return ""
		}
		return b + "_" + x.Sel.Name
	case *kql.IndexExpr:
		b := kqlName(x.X)
		if b == "" {
			return ""
		}
		switch ix := x.Index.(type) {
		case *kql.Literal:
			if ix.Kind == kql.LitString || ix.Kind == kql.LitInt {
				return b + "_" + ix.Value
			}
		case *kql.UnaryExpr:
			if lit, ok := ix.X.(*kql.Literal); ok && ix.Op == "-" {
				return b + "__" + lit.Value
			}
		}
		return ""
	case *kql.ParenExpr:
		return kqlName(x.X)
	case *kql.OrderedExpr:
		return kqlName(x.X)
	case *kql.CallExpr:
		name := funcName(x)
		f, ok := kqlFuncs[strings.ToLower(name)]
		if !ok {
			return ""
		}
		first := ""
		if len(x.Args) > 0 {
			first = kqlName(x.Args[0])
		}
		switch f.naming {
		case "FirstArgument", "FirstArgumentValueIfColumn":
			return first
		case "OnlyArgument":
			if len(x.Args) == 1 {
				return first
			}
			return ""
		case "PrefixAndFirstArgument":
			return f.prefix + "_" + first
		case "NameAndFirstArgument":
			return strings.ToLower(name) + "_" + first
		case "PrefixOnly":
			return f.prefix
		}
	}
	return ""
}

func (l *kqlLowering) parseColumns(op *kql.Operator, sch *schema, n int) {
	for _, c := range op.Clauses {
		switch {
		case c.Keyword == "with" && c.Seq:
			for _, x := range c.Exprs {
				var name string
				switch x := x.(type) {
				case *kql.Ident:
					name = x.Name
				case *kql.TypedName:
					name = x.Name.Name
				}
				if name != "" && sch.has(name) < 0 {
					sch.cols = append(sch.cols, column{name: name, src: op.Keyword, stage: n, expr: l.text(clause(op, "")[0])})
				}
			}
		case c.Keyword == "as":
			for _, x := range c.Exprs {
				if t, ok := x.(*kql.TypeExpr); ok {
					for _, col := range t.Columns {
						if sch.has(col.Name.Name) < 0 {
							sch.cols = append(sch.cols, column{name: col.Name.Name, src: op.Keyword, stage: n})
						}
					}
				}
			}
		}
	}
}

func (l *kqlLowering) makeSeries(op *kql.Operator, sch *schema, n int) {
	out := &schema{}
	for _, x := range clause(op, "by") {
		name := kqlName(x)
		if ne, ok := x.(*kql.NamedExpr); ok {
			name = kqlName(ne.Name)
		}
		out.cols = append(out.cols, column{name: out.unique(name), src: "make-series", stage: n, expr: l.text(x)})
	}
	if on := clause(op, "on"); len(on) > 0 {
		out.cols = append(out.cols, column{name: out.unique(kqlName(on[0])), src: "make-series", stage: n, expr: l.text(on[0])})
	}
	for _, x := range clause(op, "") {
		if b, ok := x.(*kql.BinaryExpr); ok && b.Op == "default" {
			x = b.X
		}
		name := ""
		if ne, ok := x.(*kql.NamedExpr); ok {
			name = kqlName(ne.Name)
		} else {
			name = kqlName(x)
		}
		out.cols = append(out.cols, column{name: out.unique(name), src: "make-series", stage: n, expr: l.text(x)})
	}
	sch.cols = out.cols
}

// join lowers a join or lookup: its right side as inner stages, and the
// columns it brings.
func (l *kqlLowering) join(op *kql.Operator, st *rule.Stage, sch *schema, n int) {
	main := clause(op, "")
	if len(main) == 0 {
		return
	}
	inner, right := l.pipeline(main[0])
	st.Stages = inner
	if l.depth == 1 {
		var keys []string
		for _, x := range clause(op, "on") {
			if b, ok := x.(*kql.BinaryExpr); ok && b.Op == "==" {
				keys = append(keys, kqlName(b.X)+" = "+kqlName(b.Y))
			} else {
				keys = append(keys, kqlName(x))
			}
		}
		if l.joinOn == nil {
			l.joinOn = map[int]string{}
		}
		l.joinOn[n] = strings.Join(keys, ", ")
	}
	if len(inner) > 0 {
		st.Source = inner[0].Source
	}
	kind := "innerunique"
	if op.Keyword == "lookup" {
		kind = "leftouter"
	}
	for _, p := range op.Params {
		if id, ok := p.Name.(*kql.Ident); ok && id.Name == "kind" {
			kind = strings.ToLower(kqlName(p.Value))
		}
	}
	switch kind {
	case "leftsemi", "leftanti", "anti", "leftantisemi":
		return
	case "rightsemi", "rightanti", "rightantisemi":
		sch.cols = right.cols
		return
	}
	keys := map[string]bool{}
	if op.Keyword == "lookup" {
		for _, x := range clause(op, "on") {
			if id, ok := x.(*kql.Ident); ok {
				keys[id.Name] = true
			}
		}
	}
	for _, c := range right.cols {
		c.src, c.stage = op.Keyword, n
		if c.all {
			sch.cols = append(sch.cols, c)
			continue
		}
		if keys[c.name] {
			continue
		}
		c.name = sch.unique(c.name)
		sch.cols = append(sch.cols, c)
	}
}

// outputs turns the final schema into the rule's output fields.
func (l *kqlLowering) outputs(sch *schema) {
	for _, c := range sch.cols {
		name := c.name
		if c.all {
			name += ".*"
		}
		l.r.Outputs = append(l.r.Outputs, rule.OutputField{Name: name, Source: c.src, Stage: c.stage, Expr: c.expr})
	}
}

func (l *kqlLowering) mapEntities() {
	for i := range l.r.Outputs {
		o := &l.r.Outputs[i]
		var ents []string
		for _, em := range l.r.EntityMappings {
			if em.Column == o.Name {
				ents = append(ents, em.EntityType+"."+em.Identifier)
			}
		}
		o.Entity = strings.Join(ents, ", ")
	}
}
