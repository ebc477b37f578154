package lowerkql

import (
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ruledex/ruledex/internal/lang/kql"
	"github.com/ruledex/ruledex/internal/rule"
)

// kqlOps maps KQL comparison operators to the model's kinds: kind, case
// sensitive, negated.
var kqlOps = map[string]struct {
	kind      string
	cs, neg   bool
	all, list bool
}{
	"==": {kind: rule.OpEq, cs: true}, "=": {kind: rule.OpEq, cs: true}, "=~": {kind: rule.OpEq},
	"!=": {kind: rule.OpEq, cs: true, neg: true}, "<>": {kind: rule.OpEq, cs: true, neg: true}, "!~": {kind: rule.OpEq, neg: true},
	"has": {kind: rule.OpHas}, "has_cs": {kind: rule.OpHas, cs: true}, "!has": {kind: rule.OpHas, neg: true}, "!has_cs": {kind: rule.OpHas, cs: true, neg: true},
	"contains": {kind: rule.OpContains}, "contains_cs": {kind: rule.OpContains, cs: true}, "containscs": {kind: rule.OpContains, cs: true},
	"!contains": {kind: rule.OpContains, neg: true}, "!contains_cs": {kind: rule.OpContains, cs: true, neg: true},
	"notcontains": {kind: rule.OpContains, neg: true}, "notcontainscs": {kind: rule.OpContains, cs: true, neg: true},
	"startswith": {kind: rule.OpStartsWith}, "startswith_cs": {kind: rule.OpStartsWith, cs: true},
	"!startswith": {kind: rule.OpStartsWith, neg: true}, "!startswith_cs": {kind: rule.OpStartsWith, cs: true, neg: true}, "notstartswith": {kind: rule.OpStartsWith, neg: true},
	"endswith": {kind: rule.OpEndsWith}, "endswith_cs": {kind: rule.OpEndsWith, cs: true},
	"!endswith": {kind: rule.OpEndsWith, neg: true}, "!endswith_cs": {kind: rule.OpEndsWith, cs: true, neg: true},
	"hasprefix": {kind: rule.OpHasPrefix}, "hasprefix_cs": {kind: rule.OpHasPrefix, cs: true}, "!hasprefix": {kind: rule.OpHasPrefix, neg: true}, "!hasprefix_cs": {kind: rule.OpHasPrefix, cs: true, neg: true},
	"hassuffix": {kind: rule.OpHasSuffix}, "hassuffix_cs": {kind: rule.OpHasSuffix, cs: true}, "!hassuffix": {kind: rule.OpHasSuffix, neg: true}, "!hassuffix_cs": {kind: rule.OpHasSuffix, cs: true, neg: true},
	"in": {kind: rule.OpIn, cs: true, list: true}, "in~": {kind: rule.OpIn, list: true}, "!in": {kind: rule.OpIn, cs: true, neg: true, list: true},
	"!in~": {kind: rule.OpIn, neg: true, list: true}, "notin": {kind: rule.OpIn, cs: true, neg: true, list: true},
	"has_any": {kind: rule.OpHasAny, list: true}, "!has_any": {kind: rule.OpHasAny, neg: true, list: true},
	"has_all": {kind: rule.OpHasAll, all: true, list: true}, "!has_all": {kind: rule.OpHasAll, all: true, neg: true, list: true},
	"matches regex": {kind: rule.OpRegex, cs: true},
	">":             {kind: rule.OpGt, cs: true}, ">=": {kind: rule.OpGe, cs: true}, "<": {kind: rule.OpLt, cs: true}, "<=": {kind: rule.OpLe, cs: true},
	":": {kind: rule.OpHas},
}

// caseFolders are functions whose result compared to a value makes the
// comparison case-insensitive on the column inside.
var caseFolders = map[string]bool{"tolower": true, "toupper": true}

// transparent are conversions a predicate sees through to the column inside.
var transparent = map[string]bool{"tostring": true, "trim": true, "todynamic": true, "parse_json": true, "tolower": true, "toupper": true, "toint": true, "tolong": true}

// condition adds to st the predicates of a where condition; neg is true
// under a not(...).
func (l *kqlLowering) condition(st *rule.Stage, x kql.Expr, neg bool) {
	switch x := x.(type) {
	case *kql.ParenExpr:
		l.condition(st, x.X, neg)
		return
	case *kql.BinaryExpr:
		if x.Op == "and" || x.Op == "or" {
			l.condition(st, x.X, neg)
			l.condition(st, x.Y, neg)
			return
		}
		l.comparison(st, x, neg)
	case *kql.BetweenExpr:
		field, cs, ok := l.field(x.X)
		if !ok {
			return
		}
		if w := agoWindow(x.Lo, l); w != "" {
			st.TimeWindow = w
			return
		}
		p := rule.Predicate{Field: field, Kind: rule.OpBetween, CaseSensitive: cs || true, Negated: x.Not != neg, Text: l.text(x)}
		lo, okLo := l.values(x.Lo)
		hi, okHi := l.values(x.Hi)
		p.Values = append(lo, hi...)
		l.addPredicate(st, p, okLo && okHi)
	case *kql.CallExpr:
		l.callPredicate(st, x, neg)
	case *kql.Literal:
		if x.Kind == kql.LitString { // search "term"
			p := rule.Predicate{Kind: rule.OpKeyword, Values: []string{x.Value}, Negated: neg, Text: l.text(x)}
			l.addPredicate(st, p, true)
		}
	}
}

func (l *kqlLowering) callPredicate(st *rule.Stage, c *kql.CallExpr, neg bool) {
	name := strings.ToLower(funcName(c))
	arg := func(i int) kql.Expr {
		if i < len(c.Args) {
			return c.Args[i]
		}
		return nil
	}
	switch name {
	case "not":
		if a := arg(0); a != nil {
			l.condition(st, a, !neg)
		}
	case "isnotempty", "isnotnull", "isempty", "isnull":
		if a := arg(0); a != nil {
			if field, _, ok := l.field(a); ok {
				negated := strings.HasPrefix(name, "isempty") || name == "isnull"
				l.addPredicate(st, rule.Predicate{Field: field, Kind: rule.OpExists, CaseSensitive: true, Negated: negated != neg, Text: l.text(c)}, false)
			}
		}
	case "ipv4_is_in_range", "ipv6_is_in_range", "ipv4_is_in_any_range", "ipv6_is_in_any_range", "ipv4_is_match":
		if a := arg(0); a != nil {
			if field, _, ok := l.field(a); ok {
				var vals []string
				lit := true
				for _, v := range c.Args[1:] {
					vs, ok := l.values(v)
					lit = lit && ok
					vals = append(vals, vs...)
				}
				l.addPredicate(st, rule.Predicate{Field: field, Kind: rule.OpCIDR, CaseSensitive: true, Negated: neg, Values: vals, Text: l.text(c)}, lit)
			}
		}
	}
}

// comparison adds the predicate of a comparison, or sets the time window.
func (l *kqlLowering) comparison(st *rule.Stage, b *kql.BinaryExpr, neg bool) {
	op, ok := kqlOps[b.Op]
	if !ok {
		return
	}
	left, right := b.X, b.Y
	field, folded, isField := l.field(left)
	if !isField && !op.list {
		// "x" == Column: the column on the right
		if f, fo, ok := l.field(right); ok {
			if _, lit := l.values(left); lit {
				field, folded, isField = f, fo, true
				left, right = right, left
			}
		}
	}
	if !isField {
		if fn, ok := left.(*kql.CallExpr); ok {
			field = l.text(fn) // array_length(x) > 0: the expression stands as the field
		} else {
			return
		}
	}
	switch op.kind {
	case rule.OpGt, rule.OpGe:
		if w := agoWindow(right, l); w != "" {
			st.TimeWindow = w
			return
		}
	case rule.OpLt, rule.OpLe:
		if agoWindow(right, l) != "" {
			return // an upper bound in the past: not the window the rule reads
		}
	}
	vals, lit := l.values(right)
	switch op.kind {
	case rule.OpGt, rule.OpGe, rule.OpLt, rule.OpLe:
		lit = false // a threshold, not a value to look for
	}
	if l.cur != nil && isField {
		if i := l.cur.has(field); i >= 0 && l.cur.cols[i].src != "source" {
			lit = false // a column the query computed (a count, an extend): not the data's own
		}
	}
	p := rule.Predicate{Field: field, Kind: op.kind, Values: vals, CaseSensitive: op.cs && !folded, Negated: op.neg != neg, All: op.all, Text: l.text(b)}
	l.addPredicate(st, p, lit && isField)
}

func (l *kqlLowering) addPredicate(st *rule.Stage, p rule.Predicate, literal bool) {
	st.Predicates = append(st.Predicates, p)
	if !literal || p.Negated || p.Kind == rule.OpExists || p.Kind == rule.OpKeyword && p.Field == "" && len(p.Values) == 0 || len(p.Values) == 0 {
		return
	}
	// an indicator: the distinct positive (field, kind, case, all) with its values
	k := indicatorKey{p.Field, p.Kind, p.CaseSensitive, p.All}
	if l.indIndex == nil {
		l.indIndex = map[indicatorKey]int{}
	}
	i, ok := l.indIndex[k]
	if !ok {
		i = len(l.r.Indicators)
		l.indIndex[k] = i
		l.r.Indicators = append(l.r.Indicators, rule.Indicator{Field: p.Field, Kind: p.Kind, CaseSensitive: p.CaseSensitive, All: p.All})
		l.indValues = append(l.indValues, map[string]struct{}{})
	}
	in, seen := &l.r.Indicators[i], l.indValues[i]
	valueProbes.Add(int64(len(p.Values)))
	for _, v := range p.Values {
		if _, dup := seen[v]; !dup {
			seen[v] = struct{}{}
			in.Values = append(in.Values, v)
		}
	}
}

// valueProbes counts the values the indicator lists look at to drop
// repeats; a test bounds it by the number of values (the lowering of a
// list is linear).
var valueProbes atomic.Int64 // rules are lowered on several goroutines at once

type indicatorKey struct {
	field, kind string
	cs, all     bool
}

// field returns the column a predicate tests: a name, a path (a.b,
// a["k"]) as written, seen through tostring(), tolower() and the like;
// folded is true when a case-folding function wraps it.
func (l *kqlLowering) field(x kql.Expr) (string, bool, bool) {
	switch x := x.(type) {
	case *kql.Ident:
		if x.Name == "$left" || x.Name == "$right" || l.lets[x.Name] != nil {
			return "", false, false
		}
		return x.Name, false, true
	case *kql.SelectorExpr, *kql.IndexExpr:
		if pathRoot(x) == nil {
			return "", false, false
		}
		return strings.Join(strings.Fields(l.text(x)), ""), false, true
	case *kql.ParenExpr:
		return l.field(x.X)
	case *kql.CallExpr:
		name := strings.ToLower(funcName(x))
		if transparent[name] && len(x.Args) >= 1 {
			f, folded, ok := l.field(x.Args[0])
			return f, folded || caseFolders[name], ok
		}
	}
	return "", false, false
}

// pathRoot returns the name a dotted or indexed path starts from, nil when
// it starts from something else (a call).
func pathRoot(x kql.Expr) *kql.Ident {
	for {
		switch y := x.(type) {
		case *kql.Ident:
			return y
		case *kql.SelectorExpr:
			x = y.X
		case *kql.IndexExpr:
			x = y.X
		case *kql.CallExpr:
			n := strings.ToLower(funcName(y))
			if (n == "todynamic" || n == "parse_json" || n == "tostring") && len(y.Args) == 1 {
				x = y.Args[0]
				continue
			}
			return nil
		default:
			return nil
		}
	}
}

// values returns the values an expression stands for, and whether they are
// all literal (a let of literals counts): "x" → [x]; ("a", "b") → [a b];
// dynamic(["a"]) → [a]; a let name → its values. Anything else is kept as
// its text, not literal.
func (l *kqlLowering) values(x kql.Expr) ([]string, bool) {
	return l.valuesDepth(x, 0)
}

func (l *kqlLowering) valuesDepth(x kql.Expr, depth int) ([]string, bool) {
	if depth > 8 {
		return []string{l.text(x)}, false
	}
	switch x := x.(type) {
	case *kql.Literal:
		if x.Kind == kql.LitTyped && x.Type != "long" && x.Type != "int" && x.Type != "real" && x.Type != "bool" && x.Type != "guid" {
			return []string{x.Value}, false // datetime, timespan: not an indicator
		}
		if x.Kind == kql.LitTimespan {
			return []string{x.Value}, false
		}
		return []string{x.Value}, true
	case *kql.UnaryExpr:
		if lit, ok := x.X.(*kql.Literal); ok && x.Op == "-" {
			return []string{"-" + lit.Value}, true
		}
	case *kql.TupleExpr:
		return l.listValues(x.Elems, depth)
	case *kql.ListExpr:
		return l.listValues(x.Elems, depth)
	case *kql.DynamicExpr:
		return l.valuesDepth(x.Value, depth+1)
	case *kql.ParenExpr:
		return l.valuesDepth(x.X, depth+1)
	case *kql.Ident:
		if let := l.lets[x.Name]; let != nil {
			if _, sub := let.Value.(*kql.PipeExpr); sub {
				return []string{"(query " + x.Name + subquerySource(let.Value) + ")"}, false
			}
			return l.valuesDepth(let.Value, depth+1)
		}
	case *kql.PipeExpr:
		return []string{"(query" + subquerySource(x) + ")"}, false
	case *kql.CallExpr:
		switch strings.ToLower(funcName(x)) {
		case "pack_array", "dynamic":
			return l.listValues(x.Args, depth)
		}
	}
	return []string{l.text(x)}, false
}

func (l *kqlLowering) listValues(xs []kql.Expr, depth int) ([]string, bool) {
	var out []string
	all := true
	for _, e := range xs {
		vs, ok := l.valuesDepth(e, depth+1)
		out = append(out, vs...)
		all = all && ok
	}
	return out, all
}

// subquerySource says what a subquery reads: " on T", or "".
func subquerySource(x kql.Expr) string {
	src, _ := flatten(x)
	if id, ok := src.(*kql.Ident); ok {
		return " on " + id.Name
	}
	return ""
}

// subqueries lowers the pipelines inside a condition (x in (T | ...)) as
// inner stages of st.
func (l *kqlLowering) subqueries(st *rule.Stage, x kql.Expr) {
	kql.Inspect(x, func(n kql.Node) bool {
		p, ok := n.(*kql.PipeExpr)
		if !ok {
			return true
		}
		save := l.cur
		inner, _ := l.pipeline(p)
		l.cur = save
		st.Stages = append(st.Stages, inner...)
		return false
	})
}

// agoWindow returns the timespan of ago(X) in x (also inside
// startofday(ago(X)) and the like, and through a let), "" when none.
func agoWindow(x kql.Expr, l *kqlLowering) string {
	found := ""
	kql.Inspect(x, func(n kql.Node) bool {
		if found != "" {
			return false
		}
		c, ok := n.(*kql.CallExpr)
		if !ok || strings.ToLower(funcName(c)) != "ago" || len(c.Args) != 1 {
			return true
		}
		found = l.timespan(c.Args[0], 0)
		return false
	})
	if found == "" {
		if id, ok := x.(*kql.Ident); ok && l.lets[id.Name] != nil {
			return agoWindow(l.lets[id.Name].Value, l)
		}
	}
	return found
}

func (l *kqlLowering) timespan(x kql.Expr, depth int) string {
	switch x.(type) {
	case *kql.BinaryExpr: // 2*timeframe: computed; a literal is kept as written
		if d, ok := l.duration(x, 0); ok && d > 0 {
			return formatDuration(d)
		}
	}
	switch x := x.(type) {
	case *kql.Literal:
		if x.Kind == kql.LitTimespan {
			return x.Raw
		}
		if x.Kind == kql.LitTyped && (x.Type == "timespan" || x.Type == "time") {
			return x.Value
		}
	case *kql.Ident:
		if let := l.lets[x.Name]; let != nil && depth < 4 {
			return l.timespan(let.Value, depth+1)
		}
	case *kql.ParenExpr:
		return l.timespan(x.X, depth)
	}
	return l.text(x)
}

// duration evaluates a timespan expression: literals (1h, 1.5d,
// timespan(2h)), lets, and sums and products with numbers (2*timeframe).
func (l *kqlLowering) duration(x kql.Expr, depth int) (time.Duration, bool) {
	if depth > 8 {
		return 0, false
	}
	switch x := x.(type) {
	case *kql.Literal:
		switch {
		case x.Kind == kql.LitTimespan:
			return parseTimespan(x.Raw)
		case x.Kind == kql.LitTyped && (x.Type == "timespan" || x.Type == "time"):
			return parseTimespan(x.Value)
		}
	case *kql.ParenExpr:
		return l.duration(x.X, depth+1)
	case *kql.Ident:
		if let := l.lets[x.Name]; let != nil {
			return l.duration(let.Value, depth+1)
		}
	case *kql.BinaryExpr:
		switch x.Op {
		case "+", "-":
			a, ok1 := l.duration(x.X, depth+1)
			b, ok2 := l.duration(x.Y, depth+1)
			if ok1 && ok2 {
				if x.Op == "-" {
					return a - b, true
				}
				return a + b, true
			}
		case "*":
			if n, ok := l.number(x.X, depth+1); ok {
				if d, ok := l.duration(x.Y, depth+1); ok {
					return time.Duration(n * float64(d)), true
				}
			}
			if n, ok := l.number(x.Y, depth+1); ok {
				if d, ok := l.duration(x.X, depth+1); ok {
					return time.Duration(n * float64(d)), true
				}
			}
		}
	}
	return 0, false
}

func (l *kqlLowering) number(x kql.Expr, depth int) (float64, bool) {
	switch x := x.(type) {
	case *kql.Literal:
		if x.Kind == kql.LitInt || x.Kind == kql.LitReal {
			f, err := strconv.ParseFloat(x.Value, 64)
			return f, err == nil
		}
	case *kql.Ident:
		if let := l.lets[x.Name]; let != nil && depth < 8 {
			return l.number(let.Value, depth+1)
		}
	}
	return 0, false
}

var timespanUnits = []struct {
	names []string
	d     time.Duration
}{
	{[]string{"d", "day", "days"}, 24 * time.Hour},
	{[]string{"h", "hr", "hrs", "hour", "hours"}, time.Hour},
	{[]string{"m", "min", "minute", "minutes"}, time.Minute},
	{[]string{"s", "sec", "second", "seconds"}, time.Second},
	{[]string{"ms", "milli", "millis", "millisecond", "milliseconds"}, time.Millisecond},
	{[]string{"microsecond", "microseconds"}, time.Microsecond},
	{[]string{"tick", "ticks"}, 100 * time.Nanosecond},
}

// parseTimespan reads 1h, 1.5d, 14d, 00:10:00 or 2.00:00:00.
func parseTimespan(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	if i == 0 {
		return 0, false
	}
	if i < len(s) && s[i] == ':' { // [d.]hh:mm[:ss]
		days := 0.0
		clock := s
		if j := strings.IndexByte(s, '.'); j >= 0 && j < strings.IndexByte(s, ':') {
			days, _ = strconv.ParseFloat(s[:j], 64)
			clock = s[j+1:]
		}
		parts := strings.Split(clock, ":")
		var d time.Duration
		for k, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
			if k < len(parts) {
				f, err := strconv.ParseFloat(parts[k], 64)
				if err != nil {
					return 0, false
				}
				d += time.Duration(f * float64(unit))
			}
		}
		return d + time.Duration(days*float64(24*time.Hour)), true
	}
	n, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return 0, false
	}
	unit := strings.ToLower(s[i:])
	for _, u := range timespanUnits {
		if slices.Contains(u.names, unit) {
			return time.Duration(n * float64(u.d)), true
		}
	}
	return 0, false
}

// formatDuration writes a duration as KQL does: 2d, 36h, 90m, 1.5s.
func formatDuration(d time.Duration) string {
	for _, u := range []struct {
		suffix string
		d      time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}} {
		if d >= u.d && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.suffix
		}
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}
