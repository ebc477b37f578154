package eql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// MaxDepth bounds the nesting of expressions (parentheses, not, signs,
// function calls, subqueries): deeper input is an error, never a stack
// overflow.
const MaxDepth = 1000

// Parse reads an EQL query. It always returns a tree: where the source is
// wrong the tree is partial (BadHead and BadExpr nodes keep the span of what
// could not be read) and every problem is in the error list, sorted and
// located (line and column in runes). It runs in time linear in len(src).
//
// What is accepted is the Elasticsearch syntax as elastic/detection-rules
// validates it with the eql package: double-quoted and """raw""" strings
// only, == (not =), optional ?fields, sample, runs and missing events
// (![...]); see doc.go.
func Parse(src []byte) (*Query, diag.ErrorList) {
	p := &parser{src: src, toks: make([]Token, 0, len(src)/6+8)}
	lx := newLexer(src, &p.errs)
	for {
		t := lx.next()
		if t.Kind == Comment {
			p.comments = append(p.comments, t)
			continue
		}
		p.toks = append(p.toks, t)
		if t.Kind == EOF {
			break
		}
	}
	q := p.parseQuery()
	q.Comments = p.comments
	q.Src = lx.text
	p.errs.Sort()
	p.errs.Locate(src)
	return q, p.errs
}

type parser struct {
	src      []byte
	toks     []Token // without comments; EOF last
	i        int     // index of the current token
	comments []Token
	errs     diag.ErrorList
	depth    int
	lastErr  int // start of the last error reported, to drop cascades
	deep     bool
}

func (p *parser) tok() Token { return p.toks[p.i] }

func (p *parser) kind() Kind { return p.toks[p.i].Kind }

func (p *parser) peek(n int) Token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() Token {
	t := p.toks[p.i]
	if t.Kind != EOF {
		p.i++
	}
	return t
}

// prevEnd returns the end of the last token read.
func (p *parser) prevEnd() int {
	if p.i == 0 {
		return 0
	}
	return p.toks[p.i-1].Span.End
}

func (p *parser) errorf(sp diag.Span, format string, args ...any) {
	if len(p.errs) > 0 && p.lastErr == sp.Start {
		return
	}
	p.lastErr = sp.Start
	p.errs.Add(sp, diag.Error, fmt.Sprintf(format, args...))
}

func (p *parser) warnf(sp diag.Span, format string, args ...any) {
	p.errs.Add(sp, diag.Warning, fmt.Sprintf(format, args...))
}

// describe names a token for a message.
func describe(t Token) string {
	switch {
	case t.Kind == EOF:
		return "end of query"
	case t.Kind == Illegal:
		return fmt.Sprintf("illegal character %q", t.Text)
	case t.Kind.IsKeyword():
		return fmt.Sprintf("keyword %q", t.Text)
	case t.Kind.IsOperator():
		return fmt.Sprintf("%q", t.Text)
	}
	text := t.Text
	if utf8.RuneCountInString(text) > 40 {
		r := []rune(text)
		text = string(r[:37]) + "..."
	}
	return fmt.Sprintf("%s %s", t.Kind, text)
}

func (p *parser) unexpected(what string) {
	t := p.tok()
	p.errorf(t.Span, "unexpected %s, expected %s", describe(t), what)
}

// expect reads a token of kind k, or reports its absence (reading
// nothing).
func (p *parser) expect(k Kind, what string) (diag.Span, bool) {
	if p.kind() == k {
		return p.next().Span, true
	}
	p.unexpected(what)
	return diag.Span{Start: p.tok().Span.Start, End: p.tok().Span.Start}, false
}

func (p *parser) enter() bool {
	p.depth++
	if p.depth > MaxDepth {
		if !p.deep {
			p.deep = true
			p.errs.Add(p.tok().Span, diag.Error, fmt.Sprintf("expression nested more than %d deep", MaxDepth))
		}
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

// parseQuery reads head | pipe | pipe ... to the end.
func (p *parser) parseQuery() *Query {
	q := &Query{}
	switch p.kind() {
	case EOF:
		p.errorf(p.tok().Span, "empty query")
	case Bar:
		p.errorf(p.tok().Span, "missing base query: a query starts with an event query, sequence or sample, not a pipe")
	default:
		q.Head = p.parseHead()
	}
	for p.kind() != EOF {
		if p.kind() == Bar {
			q.Pipes = append(q.Pipes, p.parsePipe())
			continue
		}
		p.unexpected(`"|" or the end of the query`)
		// Skip to the next pipe: one bad clause does not spoil the rest.
		for p.kind() != EOF && p.kind() != Bar {
			p.next()
		}
	}
	q.Loc = diag.Span{Start: 0, End: len(p.src)}
	return q
}

func (p *parser) parseHead() Head {
	switch p.kind() {
	case KwSequence:
		return p.parseSequence()
	case KwSample:
		return p.parseSample()
	case KwJoin:
		return p.parseJoin()
	}
	return p.parseEventQuery()
}

// parseEventQuery reads `category where condition`.
func (p *parser) parseEventQuery() *EventQuery {
	start := p.tok().Span.Start
	q := &EventQuery{}
	switch {
	case p.kind() == Name && p.peek(1).Kind == KwWhere:
		t := p.next()
		q.Category = &Ident{Loc: t.Span, Name: t.Text}
		q.Where = p.next().Span
	case p.kind() == KwWhere:
		p.errorf(p.tok().Span, "missing event category before where (process where ..., any where ...)")
		q.Where = p.next().Span
	case p.kind() == Name && p.peek(1).Kind == Name && p.peek(1).Text != "of":
		// `proces wher x == 1`: a misspelt where.
		t := p.next()
		q.Category = &Ident{Loc: t.Span, Name: t.Text}
		p.unexpected(`"where"`)
		p.next()
	default:
		p.unexpected("an event category and where (process where ..., any where ...)")
	}
	q.Cond = p.parseCond()
	q.Loc = diag.Span{Start: start, End: max(start, p.prevEnd())}
	return q
}

// parseCond reads a condition: an expression that must be boolean.
func (p *parser) parseCond() Expr {
	x := p.parseExpr()
	p.checkBool(x)
	return x
}

// checkBool reports an expression that cannot be true or false: a string
// or number literal, arithmetic (the eql package checks the types of
// and, or, not and where).
func (p *parser) checkBool(x Expr) {
	if t := typeOf(x); !compatible(t, tBool) {
		p.errorf(x.Span(), "expected a condition, found a %s", t)
	}
}

func litKindName(k LitKind) string {
	switch k {
	case LitString, LitRawString:
		return "string"
	case LitInt, LitFloat:
		return "number"
	case LitBool:
		return "boolean"
	}
	return "null"
}

// parseBy reads `by expr, expr, ...`.
func (p *parser) parseBy() *By {
	kw := p.next()
	b := &By{Keyword: kw.Span}
	b.Keys = p.parseExprList(false)
	if len(b.Keys) == 0 {
		p.unexpected("a by key")
	}
	for _, k := range b.Keys {
		if l, ok := k.(*Literal); ok {
			p.errorf(l.Loc, "a by key is a field or an expression, not a %s", litKindName(l.Kind))
		}
	}
	b.Loc = diag.Span{Start: kw.Span.Start, End: p.prevEnd()}
	return b
}

// parseExprList reads expr, expr, ... (a trailing comma allowed when
// trailing), stopping before a token that cannot start an expression.
func (p *parser) parseExprList(trailing bool) []Expr {
	var xs []Expr
	if !startsExpr(p.tok()) {
		return nil
	}
	for {
		xs = append(xs, p.parseExpr())
		if p.kind() != Comma {
			return xs
		}
		comma := p.next()
		if !startsExpr(p.tok()) {
			if !trailing {
				p.errorf(comma.Span, "unexpected trailing comma")
			}
			return xs
		}
	}
}

// startsExpr tells whether t can begin an expression.
func startsExpr(t Token) bool {
	switch t.Kind {
	case Name, NameI, Path, String, RawString, Int, Float, KwTrue, KwFalse, KwNull, KwNot, Lparen, Minus, Plus, Illegal:
		return true
	}
	return false
}

// parseMaxSpan reads `with maxspan=N unit`.
func (p *parser) parseMaxSpan() *MaxSpan {
	with := p.next()
	p.next() // maxspan
	m := &MaxSpan{}
	if _, ok := p.expect(Assign, `"=" after maxspan`); !ok && p.kind() == Eq {
		p.next()
	}
	switch p.kind() {
	case Int, Float:
		t := p.next()
		m.Value = p.literal(t)
		if t.Kind == Float {
			p.errorf(t.Span, "maxspan takes a whole number (use a smaller unit: ms, s, m, h, d)")
		}
	default:
		p.unexpected("a number after maxspan=")
	}
	if m.Value != nil {
		if p.kind() == Name && p.tok().Span.Start >= 0 {
			t := p.next()
			m.Unit = &Ident{Loc: t.Span, Name: t.Text}
			if _, ok := timeUnits[t.Text]; !ok {
				p.errorf(t.Span, "unknown time unit %q (EQL knows ms, s, m, h, d)", t.Text)
			}
		} else {
			p.errorf(m.Value.Loc, "missing time unit after maxspan=%s (ms, s, m, h, d)", m.Value.Raw)
		}
	}
	m.Loc = diag.Span{Start: with.Span.Start, End: p.prevEnd()}
	return m
}

func (p *parser) atMaxSpan() bool {
	return p.kind() == KwWith && p.peek(1).Kind == Name && p.peek(1).Text == "maxspan"
}

// parseSequence reads `sequence [by ...] [with maxspan=...] [...]... [until [...]]`.
func (p *parser) parseSequence() *Sequence {
	kw := p.next()
	s := &Sequence{Keyword: kw.Span}
	for {
		if p.kind() == KwBy && s.By == nil {
			s.By = p.parseBy()
			if s.MaxSpan == nil {
				s.ByFirst = true
			}
			continue
		}
		if p.atMaxSpan() && s.MaxSpan == nil {
			s.MaxSpan = p.parseMaxSpan()
			continue
		}
		break
	}
	s.Steps, s.Until = p.parseSteps(true, true)
	missing := false
	for i, st := range s.Steps {
		if st.Missing {
			missing = true
		}
		if st.Runs != nil && st.Runs.N <= 1 {
			p.errorf(st.Runs.Loc, "runs must be greater than 1")
		}
		_ = i
	}
	if s.Until != nil && s.Until.Missing {
		missing = true
	}
	if missing && s.MaxSpan == nil {
		p.errorf(kw.Span, "a sequence with a missing event (![...]) needs with maxspan=...")
	}
	p.checkByCounts(s.Steps, s.Until)
	s.Loc = diag.Span{Start: kw.Span.Start, End: p.prevEnd()}
	return s
}

// parseSample reads `sample [by ...] [...] [...]...`.
func (p *parser) parseSample() *Sample {
	kw := p.next()
	s := &Sample{Keyword: kw.Span}
	if p.kind() == KwBy {
		s.By = p.parseBy()
	}
	s.Steps, _ = p.parseSteps(false, false)
	for _, st := range s.Steps {
		if st.Missing {
			p.errorf(st.Open, "a sample cannot have a missing event (![...])")
		}
		if st.Runs != nil {
			p.errorf(st.Runs.Loc, "a sample step cannot repeat (with runs=)")
		}
	}
	if len(s.Steps) == 1 {
		p.errorf(kw.Span, "a sample needs at least two steps")
	}
	p.checkByCounts(s.Steps, nil)
	s.Loc = diag.Span{Start: kw.Span.Start, End: p.prevEnd()}
	return s
}

// parseJoin reads `join [by ...] [...] [...]... [until [...]]`.
func (p *parser) parseJoin() *Join {
	kw := p.next()
	j := &Join{Keyword: kw.Span}
	if p.kind() == KwBy {
		j.By = p.parseBy()
	}
	j.Steps, j.Until = p.parseSteps(true, false)
	for _, st := range append(j.Steps[:len(j.Steps):len(j.Steps)], j.Until) {
		if st == nil {
			continue
		}
		if st.Missing {
			p.errorf(st.Open, "a join cannot have a missing event (![...])")
		}
		if st.Runs != nil {
			p.errorf(st.Runs.Loc, "a join step cannot repeat (with runs=)")
		}
	}
	if len(j.Steps) == 1 {
		p.errorf(kw.Span, "a join needs at least two steps")
	}
	p.checkByCounts(j.Steps, j.Until)
	j.Loc = diag.Span{Start: kw.Span.Start, End: p.prevEnd()}
	return j
}

// checkByCounts reports a step whose by keys are not as many as the first
// step's (the eql package's rule).
func (p *parser) checkByCounts(steps []*Step, until *Step) {
	if len(steps) == 0 {
		return
	}
	count := func(s *Step) int {
		if s.By == nil {
			return 0
		}
		return len(s.By.Keys)
	}
	n := count(steps[0])
	for _, s := range append(steps[1:len(steps):len(steps)], until) {
		if s == nil || s.Query == nil {
			continue
		}
		if c := count(s); c != n {
			at := s.Close
			if s.By != nil {
				at = s.By.Loc
			}
			p.errorf(at, "expected %d by key(s) as the first step has, found %d", n, c)
		}
	}
}

// parseSteps reads steps while a [ or ![ comes, then an until step when
// allowed.
func (p *parser) parseSteps(allowUntil, allowRuns bool) (steps []*Step, until *Step) {
	for p.kind() == Lbrack || p.kind() == MissingOpen {
		steps = append(steps, p.parseStep(diag.Span{}, allowRuns))
	}
	if len(steps) == 0 {
		p.unexpected("a step [category where ...]")
	}
	if p.kind() == KwUntil && allowUntil {
		u := p.next()
		if p.kind() == Lbrack || p.kind() == MissingOpen {
			until = p.parseStep(u.Span, false)
		} else {
			p.unexpected("a step [category where ...] after until")
		}
	}
	return steps, until
}

// parseStep reads [query] [by ...] [with runs=N].
func (p *parser) parseStep(untilAt diag.Span, allowRuns bool) *Step {
	open := p.next()
	s := &Step{Until: untilAt, Open: open.Span, Missing: open.Kind == MissingOpen}
	start := open.Span.Start
	if untilAt.End > 0 {
		start = untilAt.Start
	}
	if !p.enter() {
		p.skipTo(Rbrack)
	} else {
		s.Query = p.parseEventQuery()
	}
	p.leave()
	if p.kind() != Rbrack {
		p.unexpected(`"]"`)
		p.skipTo(Rbrack)
	}
	if p.kind() == Rbrack {
		s.Close = p.next().Span
	}
	if p.kind() == KwBy {
		s.By = p.parseBy()
	}
	if p.kind() == KwWith && p.peek(1).Kind == Name && p.peek(1).Text == "runs" {
		with := p.next()
		p.next()
		r := &Runs{}
		if _, ok := p.expect(Assign, `"=" after runs`); !ok && p.kind() == Eq {
			p.next()
		}
		if p.kind() == Int {
			t := p.next()
			r.Raw = t.Text
			n, err := strconv.Atoi(t.Text)
			if err != nil {
				p.errorf(t.Span, "runs=%s is out of range", t.Text)
			}
			r.N = n
		} else {
			p.unexpected("a whole number after runs=")
		}
		r.Loc = diag.Span{Start: with.Span.Start, End: p.prevEnd()}
		s.Runs = r
		if !allowRuns {
			p.errorf(r.Loc, "with runs= is allowed only on the steps of a sequence")
		}
	}
	s.Loc = diag.Span{Start: start, End: p.prevEnd()}
	return s
}

// skipTo skips tokens until one of kind k at bracket depth 0 (not reading
// it), or a pipe or the end.
func (p *parser) skipTo(k Kind) {
	depth := 0
	for {
		switch p.kind() {
		case EOF, Bar:
			return
		case Lbrack, MissingOpen, Lparen:
			depth++
		case Rbrack, Rparen:
			if depth == 0 {
				if p.kind() == k {
					return
				}
			} else {
				depth--
			}
		}
		if depth == 0 && p.kind() == k {
			return
		}
		p.next()
	}
}

// pipeArity is the number of arguments each pipe takes (min, max; -1 for
// no bound), from the eql package's pipes.py.
var pipeArity = map[string][2]int{
	"head": {0, 1}, "tail": {0, 1}, "filter": {1, 1}, "count": {0, -1}, "unique": {1, -1}, "unique_count": {1, -1}, "sort": {1, -1},
}

// parsePipe reads `| name args`: args are comma-separated expressions, or
// two or more atoms separated by spaces (| unique a b).
func (p *parser) parsePipe() *Pipe {
	bar := p.next()
	pp := &Pipe{Bar: bar.Span}
	if p.kind() == Name {
		t := p.next()
		pp.Name = &Ident{Loc: t.Span, Name: t.Text}
		ar, ok := pipeArity[t.Text]
		if !ok {
			p.errorf(t.Span, "unknown pipe %q (EQL has head, tail, filter, count, unique, unique_count, sort)", t.Text)
		}
		for startsExpr(p.tok()) && p.kind() != Illegal {
			x := p.parseExpr()
			pp.Args = append(pp.Args, x)
			if p.kind() == Comma {
				p.next()
				if !startsExpr(p.tok()) {
					p.unexpected("a pipe argument after the comma")
				}
			}
		}
		if ok {
			if n := len(pp.Args); n < ar[0] || ar[1] >= 0 && n > ar[1] {
				p.errorf(t.Span, "pipe %s takes %s, found %d", t.Text, arityText(ar), n)
			}
			switch t.Text {
			case "head", "tail":
				if len(pp.Args) == 1 {
					if l, ok := pp.Args[0].(*Literal); !ok || l.Kind != LitInt {
						p.errorf(pp.Args[0].Span(), "pipe %s takes a whole number", t.Text)
					}
				}
			case "filter":
				for _, a := range pp.Args {
					p.checkBool(a)
				}
			}
		}
	} else {
		p.unexpected("a pipe name (head, tail, filter, count, unique, unique_count, sort)")
		for p.kind() != EOF && p.kind() != Bar {
			p.next()
		}
	}
	pp.Loc = diag.Span{Start: bar.Span.Start, End: p.prevEnd()}
	return pp
}

func arityText(ar [2]int) string {
	switch {
	case ar[0] == ar[1]:
		return fmt.Sprintf("%d argument(s)", ar[0])
	case ar[1] < 0:
		return fmt.Sprintf("at least %d argument(s)", ar[0])
	}
	return fmt.Sprintf("%d to %d arguments", ar[0], ar[1])
}

// Expressions, loosest first (the eql grammar, eql/etc/eql.g):
//
//	or:  and ("or" and)*
//	and: not ("and" not)*
//	not: "not"* term
//	term: sum (== != < <= > >=) sum | sum ["not"] (in | in~) (list)
//	      | sum (: like like~ regex regex~) (literal | (literal, ...)) | sum
//	sum: mul ((+ | -) mul)*
//	mul: value ((* | / | %) value)*
//	value: [+ | -] (call | atom) (":"name(args))*   | name of [query]
//	atom: literal | field | (expr)
//
// Keywords are lower case; the eql package rejects AND and Or. This parser
// reads and, or and not in any case, with a warning, as the operator the
// author meant.

func (p *parser) parseExpr() Expr {
	return p.parseOr()
}

// keywordCase tells whether the current token is kw written in another
// case (AND for and), reporting it.
func (p *parser) keywordCase(kw Kind) bool {
	t := p.tok()
	if t.Kind != Name || !strings.EqualFold(t.Text, kw.String()) {
		return false
	}
	p.warnf(t.Span, "EQL keywords are lower case: %q is read as %q, which the eql package rejects", t.Text, kw.String())
	return true
}

func (p *parser) parseOr() Expr {
	x := p.parseAnd()
	if p.kind() != KwOr && !p.keywordCase(KwOr) {
		return x
	}
	l := &Logical{Op: KwOr, Terms: []Expr{x}}
	for p.kind() == KwOr || p.keywordCase(KwOr) {
		l.Ops = append(l.Ops, p.next().Span)
		y := p.parseAnd()
		p.checkBool(y)
		l.Terms = append(l.Terms, y)
	}
	p.checkBool(x)
	l.Loc = diag.Span{Start: x.Span().Start, End: p.prevEnd()}
	return l
}

func (p *parser) parseAnd() Expr {
	x := p.parseNot()
	if p.kind() != KwAnd && !p.keywordCase(KwAnd) {
		return x
	}
	l := &Logical{Op: KwAnd, Terms: []Expr{x}}
	for p.kind() == KwAnd || p.keywordCase(KwAnd) {
		l.Ops = append(l.Ops, p.next().Span)
		y := p.parseNot()
		p.checkBool(y)
		l.Terms = append(l.Terms, y)
	}
	p.checkBool(x)
	l.Loc = diag.Span{Start: x.Span().Start, End: p.prevEnd()}
	return l
}

func (p *parser) atNot() bool {
	if p.kind() == KwNot {
		return true
	}
	t := p.tok()
	if t.Kind != Name || !strings.EqualFold(t.Text, "not") {
		return false
	}
	// NOT followed by what starts a term (and not by an operator or a call's
	// parenthesis) is the keyword written in upper case.
	n := p.peek(1)
	if n.Kind == Lparen && n.Span.Start == t.Span.End || !startsExpr(n) {
		return false
	}
	return p.keywordCase(KwNot)
}

func (p *parser) parseNot() Expr {
	if !p.atNot() {
		return p.parseTerm()
	}
	kw := p.next()
	if !p.enter() {
		p.leave()
		return p.bad(kw.Span.Start)
	}
	x := p.parseNot()
	p.leave()
	p.checkBool(x)
	return &Not{Loc: diag.Span{Start: kw.Span.Start, End: p.prevEnd()}, Keyword: kw.Span, X: x}
}

// bad skips the rest of a broken expression, up to a token where the
// enclosing construct can go on (and, or, a closing bracket, a comma, a
// pipe, the end), and returns a BadExpr for what was skipped.
func (p *parser) bad(start int) Expr {
	depth := 0
loop:
	for {
		switch p.kind() {
		case EOF, Bar:
			break loop
		case Lparen, Lbrack, MissingOpen:
			depth++
		case Rparen, Rbrack:
			if depth == 0 {
				break loop
			}
			depth--
		case KwAnd, KwOr, Comma:
			if depth == 0 {
				break loop
			}
		}
		p.next()
	}
	end := max(start, p.prevEnd())
	return &BadExpr{Loc: diag.Span{Start: start, End: end}}
}

func isCompare(k Kind) bool {
	switch k {
	case Eq, Ne, Lt, Le, Gt, Ge, Assign:
		return true
	}
	return false
}

func (p *parser) parseTerm() Expr {
	x := p.parseSum()
	start := x.Span().Start
	switch k := p.kind(); {
	case isCompare(k):
		op := p.next()
		if op.Kind == Assign {
			p.errorf(op.Span, "use == to compare (the Elasticsearch syntax rejects =)")
		}
		y := p.parseSum()
		c := &Compare{X: x, Op: op.Kind, OpAt: op.Span, Y: y, Loc: diag.Span{Start: start, End: p.prevEnd()}}
		if op.Kind == Assign {
			c.Op = Eq
		}
		if isCompare(p.kind()) {
			p.errorf(p.tok().Span, "comparisons do not chain: use and (a < b and b < c)")
		}
		p.checkOperands(c)
		return c
	case k == KwIn || k == KwInI || k == KwNot && (p.peek(1).Kind == KwIn || p.peek(1).Kind == KwInI):
		in := &In{X: x}
		if k == KwNot {
			in.Negated = true
			in.NotAt = p.next().Span
		}
		op := p.next()
		in.Op, in.OpAt = op.Kind, op.Span
		lp, ok := p.expect(Lparen, fmt.Sprintf(`"(" after %s`, op.Text))
		in.Lparen = lp
		if ok {
			if !p.enter() {
				p.leave()
				return p.bad(start)
			}
			in.Values = p.parseExprList(true)
			p.leave()
			if len(in.Values) == 0 {
				p.unexpected("a value")
			}
			tx := typeOf(x)
			for _, v := range in.Values {
				if isBoolExpr(v) {
					p.errorf(v.Span(), "a value of %s is a value, not a condition", op.Text)
				} else if tv := typeOf(v); !compatible(tv, tx) {
					p.errorf(v.Span(), "cannot compare a %s to a %s", tx, tv)
				}
			}
			in.Rparen = p.closeParen()
		}
		in.Loc = diag.Span{Start: start, End: p.prevEnd()}
		return in
	case k == Colon || k == KwLike || k == KwLikeI || k == KwRegex || k == KwRegexI:
		op := p.next()
		m := &Match{X: x, Op: op.Kind, OpAt: op.Span}
		if p.kind() == Lparen {
			m.List = true
			m.Lparen = p.next().Span
			for {
				m.Values = append(m.Values, p.matchValue(op))
				if p.kind() != Comma {
					break
				}
				p.next()
			}
			m.Rparen = p.closeParen()
		} else {
			m.Values = append(m.Values, p.matchValue(op))
		}
		m.Loc = diag.Span{Start: start, End: p.prevEnd()}
		if l, ok := x.(*Literal); ok {
			p.errorf(l.Loc, "the left of %s is a field or an expression, not a %s", op.Text, litKindName(l.Kind))
		} else if t := typeOf(x); !compatible(t, tString) {
			p.errorf(x.Span(), "%s compares strings, found a %s on its left", op.Text, t)
		}
		return m
	}
	return x
}

// closeParen reads the ) of a list or call, skipping what cannot be read
// before it.
func (p *parser) closeParen() diag.Span {
	if p.kind() == Rparen {
		return p.next().Span
	}
	p.unexpected(`")"`)
	p.skipTo(Rparen)
	if p.kind() == Rparen {
		return p.next().Span
	}
	return diag.Span{Start: p.tok().Span.Start, End: p.tok().Span.Start}
}

// matchValue reads one value of a string predicate: a string literal (the
// eql grammar allows a literal; its type check wants a string).
func (p *parser) matchValue(op Token) Expr {
	t := p.tok()
	switch t.Kind {
	case String, RawString:
		p.next()
		return p.literal(t)
	case Int, Float, KwTrue, KwFalse, KwNull:
		p.next()
		l := p.literal(t)
		if t.Kind != KwNull {
			p.errorf(t.Span, "%s takes strings, found a %s", op.Text, litKindName(l.Kind))
		}
		return l
	}
	p.unexpected(fmt.Sprintf("a string after %s", op.Text))
	if t.Kind == Rparen || t.Kind == Comma {
		return &BadExpr{Loc: diag.Span{Start: t.Span.Start, End: t.Span.Start}}
	}
	start := t.Span.Start
	if startsExpr(t) {
		p.parseSum()
		return &BadExpr{Loc: diag.Span{Start: start, End: p.prevEnd()}}
	}
	return p.bad(start)
}

// isBoolExpr tells whether x is a condition (a comparison, a predicate,
// and/or/not).
func isBoolExpr(x Expr) bool {
	switch x := x.(type) {
	case *Compare, *In, *Match, *Logical, *Not, *Of:
		return true
	case *Paren:
		return isBoolExpr(x.X)
	}
	return false
}

// checkOperands reports comparisons the eql package rejects by type: a
// condition compared, two literals of different types, a string ordered
// against a number.
func (p *parser) checkOperands(c *Compare) {
	for _, x := range []Expr{c.X, c.Y} {
		if isBoolExpr(x) {
			p.errorf(x.Span(), "cannot compare a condition")
			return
		}
	}
	tx, ty := typeOf(c.X), typeOf(c.Y)
	if !compatible(tx, ty) {
		p.errorf(c.Loc, "cannot compare a %s to a %s", tx, ty)
	}
	if c.Op != Eq && c.Op != Ne && (tx == tBool || ty == tBool) {
		p.errorf(c.Loc, "cannot order booleans (%s)", c.Op)
	}
}

func (p *parser) parseSum() Expr {
	x := p.parseMul()
	for p.kind() == Plus || p.kind() == Minus {
		op := p.next()
		y := p.parseMul()
		x = &Binary{Loc: diag.Span{Start: x.Span().Start, End: p.prevEnd()}, X: x, Op: op.Kind, OpAt: op.Span, Y: y}
		p.checkArith(x.(*Binary))
	}
	return x
}

func (p *parser) parseMul() Expr {
	x := p.parseValue()
	for p.kind() == Star || p.kind() == Slash || p.kind() == Percent {
		op := p.next()
		y := p.parseValue()
		x = &Binary{Loc: diag.Span{Start: x.Span().Start, End: p.prevEnd()}, X: x, Op: op.Kind, OpAt: op.Span, Y: y}
		p.checkArith(x.(*Binary))
	}
	return x
}

// checkArith reports arithmetic on what is not a number: a string, a
// boolean, a condition.
func (p *parser) checkArith(b *Binary) {
	for _, x := range []Expr{b.X, b.Y} {
		if t := typeOf(x); !compatible(t, tNumber) {
			p.errorf(x.Span(), "cannot do arithmetic on a %s", t)
		}
	}
}

// parseValue reads [sign] (call | atom) followed by method calls, or a
// relation (descendant of [...]).
func (p *parser) parseValue() Expr {
	t := p.tok()
	if t.Kind == Minus || t.Kind == Plus {
		p.next()
		if !p.enter() {
			p.leave()
			return p.bad(t.Span.Start)
		}
		if k := p.kind(); k == Minus || k == Plus {
			p.unexpected("a value after the sign")
		}
		x := p.parseValue()
		p.leave()
		if l, ok := x.(*Literal); ok && l.Kind != LitInt && l.Kind != LitFloat {
			p.errorf(l.Loc, "a sign before a %s", litKindName(l.Kind))
		}
		return &Unary{Loc: diag.Span{Start: t.Span.Start, End: p.prevEnd()}, Op: t.Kind, X: x}
	}
	if t.Kind == Name && p.peek(1).Kind == KwOf {
		return p.parseOf()
	}
	x := p.parseAtom()
	// Method calls: x:name(args), the ':', the name and the '(' written
	// together (the eql grammar's METHOD_START token).
	for p.kind() == Colon {
		c, n, l := p.tok(), p.peek(1), p.peek(2)
		if (n.Kind != Name && n.Kind != NameI) || n.Span.Start != c.Span.End || l.Kind != Lparen || l.Span.Start != n.Span.End {
			break
		}
		p.next()
		x = p.parseCall(x, x.Span().Start)
	}
	return x
}

// parseOf reads `descendant of [query]`, `child of [...]`, `event of [...]`.
func (p *parser) parseOf() Expr {
	t := p.next()
	o := &Of{Relation: &Ident{Loc: t.Span, Name: t.Text}, OfAt: p.next().Span}
	switch t.Text {
	case "descendant", "child", "event":
	default:
		p.errorf(t.Span, "unknown relation %q of (EQL has descendant of, child of, event of)", t.Text)
	}
	if p.kind() != Lbrack && p.kind() != MissingOpen {
		p.unexpected(`"[" after of`)
		return p.bad(t.Span.Start)
	}
	if !p.enter() {
		p.leave()
		return p.bad(t.Span.Start)
	}
	open := p.next()
	s := &Step{Open: open.Span, Missing: open.Kind == MissingOpen}
	s.Query = p.parseEventQuery()
	p.leave()
	if p.kind() != Rbrack {
		p.unexpected(`"]"`)
		p.skipTo(Rbrack)
	}
	if p.kind() == Rbrack {
		s.Close = p.next().Span
	}
	s.Loc = diag.Span{Start: open.Span.Start, End: p.prevEnd()}
	o.Sub = s
	o.Loc = diag.Span{Start: t.Span.Start, End: p.prevEnd()}
	return o
}

// parseAtom reads a literal, a field, a call or a parenthesised
// expression.
func (p *parser) parseAtom() Expr {
	t := p.tok()
	switch t.Kind {
	case String, RawString, Int, Float, KwTrue, KwFalse, KwNull:
		p.next()
		return p.literal(t)
	case Path:
		p.next()
		if p.kind() == Lparen && p.tok().Span.Start == t.Span.End {
			p.errorf(t.Span, "%s is not a function name", t.Text)
		}
		return p.field(t)
	case Name, NameI:
		if p.peek(1).Kind == Lparen {
			return p.parseCall(nil, t.Span.Start)
		}
		p.next()
		if t.Kind == NameI {
			p.errorf(t.Span, "%s: a name ending in ~ is a case-insensitive function and needs (...)", t.Text)
		}
		return p.field(t)
	case Lparen:
		p.next()
		if !p.enter() {
			p.leave()
			return p.bad(t.Span.Start)
		}
		x := p.parseExpr()
		p.leave()
		if p.kind() == Rparen {
			p.next()
		} else {
			p.unexpected(`")"`)
			p.skipTo(Rparen)
			if p.kind() == Rparen {
				p.next()
			}
		}
		return &Paren{Loc: diag.Span{Start: t.Span.Start, End: p.prevEnd()}, X: x}
	}
	if t.Kind.IsKeyword() && t.Kind != KwNot {
		p.errorf(t.Span, "unexpected keyword %q, expected a value (a field, a string, a number, a function call)", t.Text)
	} else {
		p.unexpected("a value (a field, a string, a number, a function call)")
	}
	// Read at least one token unless it ends the enclosing construct.
	switch t.Kind {
	case EOF, Bar, Rparen, Rbrack, Comma, KwAnd, KwOr:
		return &BadExpr{Loc: diag.Span{Start: t.Span.Start, End: t.Span.Start}}
	}
	p.next()
	return p.bad(t.Span.Start)
}

// functionArity is the number of arguments of each function the eql
// package knows (eql/functions.py), by lower-case name: min, max (-1 for
// no bound). Other names are accepted with any arguments, as
// detection-rules configures the eql package.
var functionArity = map[string][2]int{
	"add": {2, 2}, "arraycontains": {2, -1}, "arraycount": {3, 3}, "arraysearch": {3, 3}, "between": {3, 4},
	"cidrmatch": {2, -1}, "concat": {1, -1}, "divide": {2, 2}, "endswith": {2, 2}, "indexof": {2, 3},
	"length": {1, 1}, "match": {2, -1}, "matchlite": {2, -1}, "modulo": {2, 2}, "multiply": {2, 2},
	"safe": {1, 1}, "startswith": {2, 2}, "stringcontains": {2, 2}, "substring": {2, 3}, "subtract": {2, 2},
	"number": {1, 2}, "string": {1, 1}, "wildcard": {2, -1},
}

// parseCall reads name(args); recv is the receiver of the method form
// (its ':' already read).
func (p *parser) parseCall(recv Expr, start int) Expr {
	nt := p.next()
	c := &Call{Recv: recv, Name: &Ident{Loc: nt.Span, Name: nt.Text}}
	lp := p.next()
	c.Lparen = lp.Span
	if !p.enter() {
		p.leave()
		return p.bad(start)
	}
	c.Args = p.parseExprList(true)
	p.leave()
	c.Rparen = p.closeParen()
	c.Loc = diag.Span{Start: start, End: p.prevEnd()}
	if ar, ok := functionArity[c.Func()]; ok {
		if n := len(c.AllArgs()); n < ar[0] || ar[1] >= 0 && n > ar[1] {
			p.errorf(c.Name.Loc, "%s takes %s, found %d", nt.Text, arityText(ar), n)
		}
	}
	if want, ok := argTypes[c.Func()]; ok {
		for i, a := range c.AllArgs() {
			w := want[min(i, len(want)-1)]
			if t := typeOf(a); !compatible(t, w) {
				p.errorf(a.Span(), "%s wants a %s, found a %s", nt.Text, w, t)
			}
		}
	}
	return c
}

// field makes a Field of a Name or Field token, checking its parts.
func (p *parser) field(t Token) *Field {
	f := &Field{Loc: t.Span, Raw: t.Text}
	s := t.Text
	if strings.HasPrefix(s, "?") {
		f.Optional = true
		s = s[1:]
	}
	for len(s) > 0 {
		switch s[0] {
		case '.', ' ', '\t', '\r', '\n':
			s = s[1:]
			continue
		case '`':
			end := strings.IndexByte(s[1:], '`')
			if end < 0 {
				f.Parts = append(f.Parts, FieldPart{Name: s[1:], Escaped: true})
				s = ""
				continue
			}
			f.Parts = append(f.Parts, FieldPart{Name: s[1 : 1+end], Escaped: true})
			s = s[2+end:]
		case '[':
			end := strings.IndexByte(s, ']')
			n, err := strconv.Atoi(strings.TrimSpace(s[1:end]))
			if err != nil {
				p.errorf(t.Span, "array index %s out of range", strings.TrimSpace(s[1:end]))
			}
			f.Parts = append(f.Parts, FieldPart{IsIndex: true, Index: n})
			s = s[end+1:]
		default:
			i := 0
			for i < len(s) && isNameByte(s[i]) {
				i++
			}
			if i == 0 {
				s = s[1:] // the ~ of a name~ read as a field (already an error)
				continue
			}
			name := s[:i]
			if _, kw := keywords[name]; kw && name != "like" && name != "regex" {
				p.errorf(t.Span, "%q is a keyword and cannot name a field part (write `%s`)", name, name)
			}
			f.Parts = append(f.Parts, FieldPart{Name: name})
			s = s[i:]
		}
	}
	return f
}

// literal makes a Literal of a token, decoding it.
func (p *parser) literal(t Token) *Literal {
	l := &Literal{Loc: t.Span, Raw: t.Text}
	switch t.Kind {
	case String:
		l.Kind = LitString
		if t.Text[0] != '"' {
			p.errorf(t.Span, `strings are "..." or """...""" in EQL: the Elasticsearch syntax rejects %s`, quoteForm(t.Text))
			l.Str = t.Text
			return l
		}
		l.Str = unescape(t.Text)
	case RawString:
		l.Kind = LitRawString
		if len(t.Text) >= 6 && strings.HasSuffix(t.Text, `"""`) {
			l.Str = t.Text[3 : len(t.Text)-3]
		} else {
			l.Str = t.Text[3:]
		}
	case Int:
		l.Kind = LitInt
		n, err := strconv.ParseInt(t.Text, 10, 64)
		if err != nil {
			// Larger than int64: kept as a float, as Python keeps it exact.
			l.Kind = LitFloat
			l.Float, _ = strconv.ParseFloat(t.Text, 64)
			return l
		}
		l.Int, l.Float = n, float64(n)
	case Float:
		l.Kind = LitFloat
		l.Float, _ = strconv.ParseFloat(t.Text, 64)
	case KwTrue, KwFalse:
		l.Kind = LitBool
		l.Bool = t.Kind == KwTrue
	case KwNull:
		l.Kind = LitNull
	}
	return l
}

func quoteForm(s string) string {
	switch {
	case strings.HasPrefix(s, "?"):
		return "?" + s[1:2] + "...raw strings"
	case strings.HasPrefix(s, "'"):
		return "single quotes"
	}
	return s
}

// unescape decodes a "..." string's escapes (\b \t \n \f \r \" \' \\
// \u{hex}); invalid escapes, already reported by the lexer, are kept.
func unescape(s string) string {
	body := s[1:]
	if strings.HasSuffix(body, `"`) && len(s) >= 2 {
		body = body[:len(body)-1]
	}
	if strings.IndexByte(body, '\\') < 0 {
		return body
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		n := escapeLen([]byte(body[i:min(len(body), i+12)]))
		if n == 0 {
			b.WriteByte(c)
			continue
		}
		switch e := body[i+1]; e {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case 'u':
			v, _ := strconv.ParseUint(body[i+3:i+n-1], 16, 32)
			if v > utf8.MaxRune {
				v = utf8.RuneError
			}
			b.WriteRune(rune(v))
		default:
			b.WriteByte(e)
		}
		i += n - 1
	}
	return b.String()
}
