package yaral

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// MaxDepth bounds the nesting of expressions (parentheses, not, unary
// minus, calls): deeper input is an error, never a stack overflow.
const MaxDepth = 1000

// Parse reads a YARA-L 2.0 source file: one rule or several. It always
// returns a tree, partial where the source is wrong (*Bad nodes keep the
// span of what could not be read), and every problem found, sorted and
// located (nil when none). One bad line of the events section, or one bad
// section, does not spoil the rest.
func Parse(src []byte) (*File, diag.ErrorList) {
	lx := lexer{src: string(src), split: true}
	if b, ok := tokenPool.Get().(*[]Token); ok {
		lx.toks = (*b)[:0]
	}
	lx.run()
	p := &parser{src: lx.src, errs: lx.errs, toks: lx.toks}
	f := &File{Src: lx.src}
	if len(lx.comments) > 0 {
		f.Comments = make([]Comment, len(lx.comments))
		for i, t := range lx.comments {
			f.Comments[i] = Comment{Pos: t.Span.Start, End: t.Span.End, Text: t.Text}
		}
	}
	defer func() { // the tree holds no token: the slice serves the next parse
		if cap(lx.toks) <= 1<<20 {
			t := lx.toks[:0]
			clear(lx.toks[:cap(lx.toks)]) // drop the texts it points to
			tokenPool.Put(&t)
		}
	}()
	p.parseFile(f)
	if len(p.errs) == 0 {
		return f, nil
	}
	p.errs.Sort()
	p.errs.Locate(src)
	return f, p.errs
}

var tokenPool sync.Pool

// slabSize is how many nodes of a kind one allocation holds at most.
const slabSize = 128

// alloc returns a new zero node from the slab s, growing it by a new
// backing array when it is full: one allocation per many nodes.
func alloc[T any](s *[]T) *T {
	if len(*s) == cap(*s) {
		*s = make([]T, 0, min(2*cap(*s)+8, slabSize))
	}
	*s = (*s)[:len(*s)+1]
	return &(*s)[len(*s)-1]
}

// slabs hold the parser's most frequent nodes.
type slabs struct {
	vars     []Var
	fields   []Field
	steps    []PathElem
	strs     []String
	compares []Compare
	calls    []Call
	binaries []Binary
	idents   []Ident
	// stepStack collects a field's steps; stepList is the backing array
	// of the finished lists (each capped at its length)
	stepStack []*PathElem
	stepList  []*PathElem
	argStack  []Expr
	argList   []Expr
}

// popSteps returns the steps pushed since mark as a list of its own, and
// pops them.
func (p *parser) popSteps(mark int) []*PathElem {
	items := p.stepStack[mark:]
	n := len(items)
	if n == 0 {
		return nil
	}
	if cap(p.stepList)-len(p.stepList) < n {
		p.stepList = make([]*PathElem, 0, max(n, min(2*cap(p.stepList)+16, 512)))
	}
	at := len(p.stepList)
	p.stepList = append(p.stepList, items...)
	clear(items)
	p.stepStack = p.stepStack[:mark]
	return p.stepList[at : at+n : at+n]
}

// popArgs is popSteps for call arguments.
func (p *parser) popArgs(mark int) []Expr {
	items := p.argStack[mark:]
	n := len(items)
	if n == 0 {
		return nil
	}
	if cap(p.argList)-len(p.argList) < n {
		p.argList = make([]Expr, 0, max(n, min(2*cap(p.argList)+16, 512)))
	}
	at := len(p.argList)
	p.argList = append(p.argList, items...)
	clear(items)
	p.argStack = p.argStack[:mark]
	return p.argList[at : at+n : at+n]
}

type parser struct {
	src   string
	toks  []Token
	i     int
	errs  diag.ErrorList
	depth int
	nerr  int // problems met (see errorf)
	slabs
	// names is above 0 where a bare name is a value (meta and option values)
	names int
}

// bailout unwinds a section whose nesting passed MaxDepth.
type bailout struct{}

func (p *parser) tok() *Token { return &p.toks[p.i] }

func (p *parser) peek(n int) *Token {
	if p.i+n < len(p.toks) {
		return &p.toks[p.i+n]
	}
	return &p.toks[len(p.toks)-1]
}

func (p *parser) next() *Token {
	t := &p.toks[p.i]
	if t.Kind != EOF {
		p.i++
	}
	return t
}

// prevEnd is the end of the last token read.
func (p *parser) prevEnd() int {
	if p.i == 0 {
		return 0
	}
	return p.toks[p.i-1].Span.End
}

// errorf reports a problem. Past diag.MaxErrors the message is not even
// made: a hostile input of many errors costs no more than a clean one.
// nerr counts every problem met, kept or not: the recovery looks at it.
func (p *parser) errorf(sp diag.Span, format string, args ...any) {
	p.nerr++
	if len(p.errs) > diag.MaxErrors {
		return
	}
	p.errs.Addf(sp, diag.Error, format, args...)
}

// describe names a token for an error message.
func describe(t *Token) string {
	switch {
	case t.Kind == EOF:
		return "end of file"
	case t.Kind.IsOperator():
		return strconv.Quote(t.Text)
	case t.Kind.IsKeyword():
		return "keyword " + strconv.Quote(t.Text)
	case t.Kind == Illegal:
		return "illegal character " + strconv.Quote(t.Text)
	}
	text := t.Text
	if len(text) > 40 {
		text = text[:37] + "..."
	}
	return t.Kind.String() + " " + strconv.Quote(text)
}

func (p *parser) unexpected(want string) {
	t := p.tok()
	if t.Kind == Illegal {
		p.nerr++
		return // the lexer said so
	}
	if len(p.errs) > diag.MaxErrors {
		p.nerr++
		return
	}
	p.errorf(t.Span, "unexpected %s, expected %s", describe(t), want)
}

// expect reads a token of kind k, or reports it missing (without reading)
// and returns -1.
func (p *parser) expect(k Kind, where string) int {
	if p.tok().Kind == k {
		return p.next().Span.Start
	}
	p.unexpected(fmt.Sprintf("%q%s", k.String(), where))
	return -1
}

// expectAfter is expect with the message " after <quoted name>", made
// only when it is needed.
func (p *parser) expectAfter(k Kind, name string) int {
	if p.tok().Kind == k {
		return p.next().Span.Start
	}
	return p.expect(k, " after "+strconv.Quote(name))
}

func wordish(k Kind) bool { return k == TokWord || k.IsKeyword() }

// atHeader tells whether the parser is at a section header (events:).
func (p *parser) atHeader() bool {
	return p.tok().Kind.IsSection() && p.peek(1).Kind == Colon
}

// atRule tells whether the parser is at `rule Name {`, the start of the
// next rule when a brace is missing.
func (p *parser) atRule() bool {
	return p.tok().Kind == KwRule && wordish(p.peek(1).Kind) && p.peek(2).Kind == LBrace
}

// atSectionEnd tells whether the current section ends here.
func (p *parser) atSectionEnd() bool {
	switch p.tok().Kind {
	case EOF, RBrace:
		return true
	}
	return p.atHeader() || p.atRule()
}

// skipToSectionEnd skips what is left of a section and returns the span
// skipped, or false when nothing was.
func (p *parser) skipToSectionEnd() (*Bad, bool) {
	start := p.i
	for !p.atSectionEnd() {
		p.i++
	}
	if p.i == start {
		return nil, false
	}
	return &Bad{Pos: p.toks[start].Span.Start, End: p.prevEnd()}, true
}

// skipLine skips to the next token that begins a line outside brackets
// (or the section's end) and returns the span skipped, or false when
// nothing was.
func (p *parser) skipLine() (*Bad, bool) {
	start := p.i
	depth := 0
	for !p.atSectionEnd() {
		t := p.tok()
		if p.i > start && t.NL && depth <= 0 {
			break
		}
		switch t.Kind {
		case LParen, LBrack:
			depth++
		case RParen, RBrack:
			depth--
		}
		p.i++
	}
	if p.i == start {
		return nil, false
	}
	return &Bad{Pos: p.toks[start].Span.Start, End: p.prevEnd()}, true
}

func (p *parser) parseFile(f *File) {
	for p.tok().Kind != EOF {
		if p.tok().Kind == KwRule {
			f.Rules = append(f.Rules, p.parseRule())
			continue
		}
		p.unexpected(`"rule"`)
		start := p.tok().Span.Start
		for p.tok().Kind != EOF && !p.atRule() && !(p.tok().Kind == KwRule && p.tok().NL) {
			p.i++
		}
		f.Bad = append(f.Bad, &Bad{Pos: start, End: p.prevEnd()})
	}
}

// sectionOrder is the order the reference gives the sections
// (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax,
// "Rule structure").
func sectionOrder(k Kind) int { return int(k - KwMeta) }

func (p *parser) parseRule() *Rule {
	r := &Rule{Pos: p.next().Span.Start, LBrace: -1, RBrace: -1}
	if t := p.tok(); wordish(t.Kind) && !p.atHeader() {
		p.next()
		r.Name = &Ident{Pos: t.Span.Start, End: t.Span.End, Name: t.Text}
	} else {
		p.unexpected("the rule's name")
		r.Name = &Ident{Pos: p.prevEnd(), End: p.prevEnd()}
	}
	r.LBrace = p.expect(LBrace, " after the rule's name")
	last := -1
	for p.tok().Kind != RBrace && p.tok().Kind != EOF && !p.atRule() {
		if !p.atHeader() {
			start := p.tok().Span.Start
			p.unexpected("a section (meta:, events:, match:, outcome:, condition:, options:)")
			p.i++ // the token reported
			p.skipToSectionEnd()
			r.Sections = append(r.Sections, &Bad{Pos: start, End: p.prevEnd()})
			continue
		}
		hd := p.tok()
		if ord := sectionOrder(hd.Kind); ord <= last {
			if ord == last {
				p.errorf(hd.Span, "section %q repeated", hd.Kind.String())
			} else {
				p.errorf(hd.Span, "section %q out of order: the order is meta, events, match, outcome, condition, options", hd.Kind.String())
			}
		} else {
			last = ord
		}
		r.Sections = append(r.Sections, p.parseSection())
	}
	if p.tok().Kind == RBrace {
		r.RBrace = p.next().Span.Start
	} else {
		p.unexpected(`"}" at the end of rule ` + strconv.Quote(r.Name.Name))
	}
	r.End = max(p.prevEnd(), r.Pos)
	if len(r.Sections) > 0 && r.Events() == nil {
		p.errorf(r.Name.Span(), "rule %q has no events section", r.Name.Name)
	}
	return r
}

// parseSection reads one section from its header; nesting past MaxDepth
// ends the section, its rest kept as a *Bad.
func (p *parser) parseSection() (s Section) {
	hd := Header{Pos: p.tok().Span.Start, Colon: p.peek(1).Span.Start}
	kind := p.tok().Kind
	p.i += 2
	var bad *Bad
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(bailout); !ok {
					panic(r)
				}
				p.depth = 0
				clear(p.argStack)
				p.argStack, p.stepStack = p.argStack[:0], p.stepStack[:0]
				bad, _ = p.skipToSectionEnd()
			}
		}()
		switch kind {
		case KwMeta:
			s = p.parseKeyValues(hd, false)
		case KwEvents:
			s = p.parseEvents(hd)
		case KwMatch:
			s = p.parseMatch(hd)
		case KwOutcome:
			s = p.parseOutcome(hd)
		case KwCondition:
			s = p.parseCondition(hd)
		default:
			s = p.parseKeyValues(hd, true)
		}
	}()
	if s == nil || bad != nil {
		// the section's partial tree is lost with the unwinding: keep its span
		return &Bad{Pos: hd.Pos, End: p.prevEnd()}
	}
	return s
}

// parseKeyValues reads the `key = value` lines of meta or options.
func (p *parser) parseKeyValues(hd Header, options bool) Section {
	var kvs []*KeyValue
	p.names++
	defer func() { p.names-- }()
	for !p.atSectionEnd() {
		t := p.tok()
		if !wordish(t.Kind) {
			p.unexpected("a key")
			p.skipLine()
			continue
		}
		p.next()
		kv := &KeyValue{Key: &Ident{Pos: t.Span.Start, End: t.Span.End, Name: t.Text}}
		if kv.EqPos = p.expectAfter(Eq, t.Text); kv.EqPos < 0 {
			p.skipLine()
			continue
		}
		n := p.nerr
		kv.Value = p.guardedExpr()
		kvs = append(kvs, kv)
		if p.nerr > n {
			p.skipLine()
		}
	}
	if options {
		return &OptionsSection{Header: hd, End: p.prevEnd(), Options: kvs}
	}
	return &MetaSection{Header: hd, End: p.prevEnd(), Entries: kvs}
}

// parseEvents reads the events section's lines. Each line is an
// expression in which the explicit operators bind first; where an
// expression ends and another begins with no operator between them, the
// two are ANDed (the reference: "In the events section, predicates are
// joined using the and operator if an operator is not explicitly
// defined", and `a or` on one line with `b` on the next groups a or b
// first: https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax,
// "Logical expressions").
func (p *parser) parseEvents(hd Header) Section {
	s := &EventsSection{Header: hd}
	for !p.atSectionEnd() {
		start, n := p.i, p.nerr
		x := p.guardedExpr()
		if p.i > start {
			s.Lines = append(s.Lines, x)
		}
		if p.i == start || p.nerr > n {
			if p.i == start && p.nerr == n {
				p.unexpected("a predicate")
			}
			if b, ok := p.skipLine(); ok {
				s.Lines = append(s.Lines, b)
			} else if p.i == start {
				p.i++ // never stay in place
				s.Lines = append(s.Lines, &Bad{Pos: p.toks[start].Span.Start, End: p.prevEnd()})
			}
		}
	}
	s.End = p.prevEnd()
	return s
}

func (p *parser) parseVar() *Var {
	t := p.tok()
	if t.Kind != TokVar {
		p.unexpected("a variable")
		return nil
	}
	p.next()
	return &Var{Pos: t.Span.Start, End: t.Span.End, Name: t.Text[1:]}
}

// parseMatch reads `$a, $b over 5m [before|after $e]` or `$a by 5m`
// (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax,
// "Match section syntax").
func (p *parser) parseMatch(hd Header) Section {
	s := &MatchSection{Header: hd, WindowKw: -1, EdgePos: -1}
	n := p.nerr
	defer func() {
		if !p.atSectionEnd() {
			if p.nerr == n {
				p.unexpected("the end of the match section")
			}
			p.skipToSectionEnd()
		}
		s.End = p.prevEnd()
	}()
	for {
		v := p.parseVar()
		if v == nil {
			return s
		}
		s.Vars = append(s.Vars, v)
		if p.tok().Kind != Comma {
			break
		}
		p.next()
	}
	switch p.tok().Kind {
	case KwOver:
		s.Window = HopWindow
	case KwBy:
		s.Window = TumblingWindow
	default:
		p.unexpected(`"over" or "by"`)
		return s
	}
	s.WindowKw = p.next().Span.Start
	t := p.tok()
	if t.Kind != TokDuration {
		p.unexpected("a duration (5m, 1h...)")
		return s
	}
	p.next()
	s.Duration = durationLit(t)
	if k := p.tok().Kind; s.Window == HopWindow && (k == KwBefore || k == KwAfter) {
		s.Window, s.Edge, s.EdgePos = SlidingWindow, k, p.next().Span.Start
		s.Pivot = p.parseVar()
	}
	return s
}

func durationLit(t *Token) *DurationLit {
	n, _ := strconv.ParseInt(t.Text[:len(t.Text)-1], 10, 64)
	return &DurationLit{Pos: t.Span.Start, End: t.Span.End, Raw: t.Text, Value: n, Unit: t.Text[len(t.Text)-1]}
}

// parseOutcome reads `$var = value` lines.
func (p *parser) parseOutcome(hd Header) Section {
	s := &OutcomeSection{Header: hd}
	for !p.atSectionEnd() {
		n := p.nerr
		v := p.parseVar()
		if v == nil {
			if _, ok := p.skipLine(); !ok {
				p.i++
			}
			continue
		}
		a := &Assign{Var: v, EqPos: p.expectAfter(Eq, "$"+v.Name)}
		if a.EqPos >= 0 {
			a.Value = p.guardedExpr()
			s.Assigns = append(s.Assigns, a)
		}
		if p.nerr > n {
			p.skipLine()
		}
	}
	s.End = p.prevEnd()
	return s
}

// parseCondition reads the condition: one expression.
func (p *parser) parseCondition(hd Header) Section {
	s := &ConditionSection{Header: hd}
	if p.atSectionEnd() {
		p.unexpected("the condition")
		s.Expr = &Bad{Pos: p.prevEnd(), End: p.prevEnd()}
	} else {
		s.Expr = p.guardedExpr()
	}
	if !p.atSectionEnd() {
		p.unexpected(`"and", "or" or the end of the condition`)
		p.skipToSectionEnd()
	}
	s.End = p.prevEnd()
	return s
}

// guardedExpr reads an expression; nesting past MaxDepth abandons it:
// the rest of its line is skipped and the whole is a *Bad from start.
func (p *parser) guardedExpr() (x Expr) {
	start := p.i
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			p.depth = 0
			clear(p.argStack)
			p.argStack, p.stepStack = p.argStack[:0], p.stepStack[:0]
			p.skipLine()
			x = &Bad{Pos: p.toks[start].Span.Start, End: p.prevEnd()}
		}
	}()
	return p.parseExpr()
}

func (p *parser) enter() {
	p.depth++
	if p.depth > MaxDepth {
		p.errorf(p.tok().Span, "expression nested deeper than %d levels", MaxDepth)
		panic(bailout{})
	}
}

func (p *parser) leave() { p.depth-- }

// parseExpr reads an expression. Precedence, lowest first: or, and,
// not / ! / any / all, comparisons and in, + -, * /, unary -. "By default,
// the precedence order from highest to lowest is not, and, or"
// (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax).
func (p *parser) parseExpr() Expr {
	x := p.parseAnd()
	for p.tok().Kind == KwOr {
		pos := p.next().Span.Start
		y := p.parseAnd()
		b := alloc(&p.binaries)
		*b = Binary{X: x, Op: KwOr, OpPos: pos, Y: y}
		x = b
	}
	return x
}

func (p *parser) parseAnd() Expr {
	x := p.parseNot()
	for p.tok().Kind == KwAnd {
		pos := p.next().Span.Start
		y := p.parseNot()
		b := alloc(&p.binaries)
		*b = Binary{X: x, Op: KwAnd, OpPos: pos, Y: y}
		x = b
	}
	return x
}

func (p *parser) parseNot() Expr {
	switch t := p.tok(); t.Kind {
	case KwNot, Bang:
		p.enter()
		defer p.leave()
		p.next()
		return &Unary{Op: t.Kind, OpPos: t.Span.Start, X: p.parseNot()}
	case KwAny, KwAll:
		p.next()
		return &Quantified{Quant: t.Kind, Pos: t.Span.Start, X: p.parseCompare()}
	}
	return p.parseCompare()
}

func isCompareOp(k Kind) bool { return k >= Eq && k <= GreatEq }

func (p *parser) parseCompare() Expr {
	x := p.parseAdd()
	switch t := p.tok(); {
	case isCompareOp(t.Kind):
		p.next()
		y := p.parseAdd()
		c := alloc(&p.compares)
		*c = Compare{X: x, Op: t.Kind, OpPos: t.Span.Start, Y: y, NocasePos: -1}
		if p.tok().Kind == KwNocase {
			c.Nocase, c.NocasePos = true, p.next().Span.Start
		}
		c.End = p.prevEnd()
		return c
	case t.Kind == KwIn:
		p.next()
		in := &In{X: x, InPos: t.Span.Start, ModePos: -1, NocasePos: -1}
		switch m := p.tok(); m.Kind {
		case KwRegex:
			in.Mode, in.ModePos = InRegex, p.next().Span.Start
		case KwCIDR:
			in.Mode, in.ModePos = InCIDR, p.next().Span.Start
		}
		if p.tok().Kind != TokListRef {
			p.unexpected("a reference list (%name)")
			in.List = &ListRef{Pos: p.prevEnd(), End: p.prevEnd()}
		} else {
			in.List = p.parseListRef()
		}
		if p.tok().Kind == KwNocase {
			in.Nocase, in.NocasePos = true, p.next().Span.Start
		}
		in.End = p.prevEnd()
		return in
	case t.Kind == KwNocase:
		if c, ok := x.(*Call); ok {
			c.Nocase, c.NocasePos = true, p.next().Span.Start
			c.End = p.prevEnd()
		}
	}
	return x
}

func (p *parser) parseAdd() Expr {
	x := p.parseMul()
	for k := p.tok().Kind; k == Plus || k == Minus; k = p.tok().Kind {
		pos := p.next().Span.Start
		y := p.parseMul()
		b := alloc(&p.binaries)
		*b = Binary{X: x, Op: k, OpPos: pos, Y: y}
		x = b
	}
	return x
}

func (p *parser) parseMul() Expr {
	x := p.parseUnary()
	for k := p.tok().Kind; k == Star || k == Slash; k = p.tok().Kind {
		pos := p.next().Span.Start
		y := p.parseUnary()
		b := alloc(&p.binaries)
		*b = Binary{X: x, Op: k, OpPos: pos, Y: y}
		x = b
	}
	return x
}

func (p *parser) parseUnary() Expr {
	if t := p.tok(); t.Kind == Minus {
		p.enter()
		defer p.leave()
		p.next()
		return &Unary{Op: Minus, OpPos: t.Span.Start, X: p.parseUnary()}
	}
	return p.parsePrimary()
}

func (p *parser) parseListRef() *ListRef {
	t := p.next()
	l := &ListRef{Pos: t.Span.Start, End: t.Span.End, Name: t.Text[1:]}
	if p.tok().Kind == Dot && wordish(p.peek(1).Kind) {
		p.next()
		c := p.next()
		l.Column, l.End = c.Text, c.Span.End
	}
	return l
}

func (p *parser) parsePrimary() Expr {
	t := p.tok()
	switch t.Kind {
	case LParen:
		p.enter()
		defer p.leave()
		p.next()
		x := &Paren{LParen: t.Span.Start, X: p.parseExpr()}
		p.expect(RParen, " to close the parenthesis")
		x.End = p.prevEnd()
		return x
	case TokVar:
		p.next()
		v := alloc(&p.vars)
		*v = Var{Pos: t.Span.Start, End: t.Span.End, Name: t.Text[1:]}
		if k := p.tok().Kind; k == Dot || k == LBrack {
			return p.parseField(v)
		}
		return v
	case TokCountVar:
		p.next()
		return &Var{Pos: t.Span.Start, End: t.Span.End, Name: t.Text[1:], Count: true}
	case TokListRef:
		return p.parseListRef()
	case TokString:
		p.next()
		x := alloc(&p.strs)
		*x = String{Pos: t.Span.Start, End: t.Span.End, Raw: t.Text, Value: unquote(t.Text)}
		return x
	case TokRegex:
		p.next()
		return &Regex{Pos: t.Span.Start, End: t.Span.End, Raw: t.Text, Pattern: regexPattern(t.Text)}
	case TokNumber:
		p.next()
		v, _ := strconv.ParseFloat(t.Text, 64)
		return &Number{Pos: t.Span.Start, End: t.Span.End, Raw: t.Text, Value: v}
	case TokDuration:
		p.next()
		return durationLit(t)
	case KwTrue, KwFalse:
		p.next()
		return &Bool{Pos: t.Span.Start, End: t.Span.End, Value: t.Kind == KwTrue}
	case TokWord:
		return p.parseNameOrCall()
	}
	p.unexpected("an expression")
	return &Bad{Pos: p.prevEnd(), End: p.prevEnd()}
}

// parseField reads the path after an event variable: .name, ["key"], [0].
func (p *parser) parseField(v *Var) Expr {
	f := alloc(&p.fields)
	f.Var = v
	mark := len(p.stepStack)
	for {
		switch t := p.tok(); {
		case t.Kind == Dot && wordish(p.peek(1).Kind):
			p.next()
			n := p.next()
			e := alloc(&p.steps)
			*e = PathElem{Pos: t.Span.Start, End: n.Span.End, Name: n.Text}
			p.stepStack = append(p.stepStack, e)
			continue
		case t.Kind == LBrack:
			p.next()
			e := alloc(&p.steps)
			e.Pos = t.Span.Start
			switch k := p.tok(); k.Kind {
			case TokString:
				p.next()
				e.Key = &String{Pos: k.Span.Start, End: k.Span.End, Raw: k.Text, Value: unquote(k.Text)}
			case TokNumber:
				p.next()
				n, _ := strconv.ParseFloat(k.Text, 64)
				e.Key = &Number{Pos: k.Span.Start, End: k.Span.End, Raw: k.Text, Value: n}
			default:
				p.unexpected("a map key (a string) or an index (a number)")
				e.Key = &Bad{Pos: p.prevEnd(), End: p.prevEnd()}
				e.End = p.prevEnd()
				p.stepStack = append(p.stepStack, e)
				f.Steps = p.popSteps(mark)
				f.End = p.prevEnd()
				return f // the line's recovery skips the rest
			}
			p.expect(RBrack, " to close the index")
			e.End = p.prevEnd()
			p.stepStack = append(p.stepStack, e)
			continue
		case t.Kind == Dot:
			p.next()
			p.unexpected("a field name after \".\"")
		}
		break
	}
	f.Steps = p.popSteps(mark)
	f.End = p.prevEnd()
	return f
}

// parseNameOrCall reads a function call with a dotted name
// (strings.to_lower(...)), or a bare name where one is a value.
func (p *parser) parseNameOrCall() Expr {
	t := p.next()
	id := alloc(&p.idents)
	*id = Ident{Pos: t.Span.Start, End: t.Span.End, Name: t.Text}
	if p.tok().Kind == Dot && wordish(p.peek(1).Kind) {
		// a dotted name; written without spaces, it is the source's text
		for p.tok().Kind == Dot && wordish(p.peek(1).Kind) {
			p.next()
			id.End = p.next().Span.End
		}
		id.Name = p.src[id.Pos:id.End]
		if strings.ContainsAny(id.Name, " \t\r\n/") {
			var b strings.Builder
			for _, tk := range p.toks[p.tokIndex(id.Pos):p.i] {
				if tk.Kind != Dot {
					if b.Len() > 0 {
						b.WriteByte('.')
					}
					b.WriteString(tk.Text)
				}
			}
			id.Name = b.String()
		}
	}
	if p.tok().Kind != LParen {
		if p.names == 0 {
			p.errorf(id.Span(), "unexpected name %q: a field begins with $, a function call with (", id.Name)
		}
		return id
	}
	p.enter()
	defer p.leave()
	c := alloc(&p.calls)
	*c = Call{Func: id, LParen: p.next().Span.Start, NocasePos: -1, RParen: -1}
	mark := len(p.argStack)
	if p.tok().Kind != RParen {
		for {
			start := p.i
			a := p.parseExpr()
			p.argStack = append(p.argStack, a)
			if p.tok().Kind != Comma || p.i == start {
				break
			}
			p.next()
		}
	}
	c.Args = p.popArgs(mark)
	if p.tok().Kind == RParen {
		c.RParen = p.next().Span.Start
	} else {
		p.unexpected(`"," or ")" in the call of ` + id.Name)
	}
	c.End = p.prevEnd()
	return c
}

// unquote decodes a string literal: a back-quoted one is taken as it is;
// in a double-quoted one \" \\ \n \t \r are undone and other backslashes
// kept with the character after them.
func unquote(raw string) string {
	if len(raw) == 0 {
		return ""
	}
	q := raw[0]
	body := raw[1:]
	if len(body) > 0 && body[len(body)-1] == q {
		body = body[:len(body)-1]
	}
	if q == '`' || strings.IndexByte(body, '\\') < 0 {
		return body
	}
	var b strings.Builder
	b.Grow(len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case '"', '\\':
			b.WriteByte(body[i])
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte('\\')
			b.WriteByte(body[i])
		}
	}
	return b.String()
}

// regexPattern returns the pattern of /.../ with \/ undone.
func regexPattern(raw string) string {
	body := raw[1:]
	if n := len(body); n > 0 && body[n-1] == '/' && evenBackslashes(body[:n-1]) {
		body = body[:n-1] // the closing slash (an unterminated one has none)
	}
	if !strings.Contains(body, `\/`) {
		return body
	}
	return strings.ReplaceAll(body, `\/`, "/")
}

// evenBackslashes tells whether s ends with an even number of backslashes.
func evenBackslashes(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 0
}

// tokIndex returns the index of the token that starts at pos, at or
// before the current one.
func (p *parser) tokIndex(pos int) int {
	j := p.i
	for j > 0 && p.toks[j].Span.Start > pos {
		j--
	}
	return j
}
