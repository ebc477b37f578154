package kuery

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// MaxDepth is how deep groups, negations and nested queries may go; deeper
// is an error (the rest of the group is skipped), never a stack overflow.
const MaxDepth = 1000

// Parse reads a KQL query. It always returns a tree: where the source is
// wrong the tree has BadExpr or BadValue nodes covering what could not be
// read, and the errors are positioned and sorted.
//
// The grammar is Kibana's (packages/kbn-es-query/src/kuery/grammar/grammar.peggy,
// https://www.elastic.co/docs/reference/query-languages/kql):
//
//	query  = or
//	or     = and ("or" and)*
//	and    = not ("and" not)*
//	not    = "not" sub | sub          (not "not not x": Kibana rejects it)
//	sub    = "(" or ")" | field ":" "{" or "}" | field range-op literal
//	       | field ":" values | literal
//	values = "(" vor ")" | literal    (vor, vand, vnot: the same over values)
func Parse(src []byte) (*Query, diag.ErrorList) {
	p := parser{lx: lexer{src: string(src)}}
	p.src = p.lx.src
	p.cur = p.lx.scan()
	q := &Query{Src: p.src}
	if p.tok().Kind != EOF {
		q.X = p.parseOr(EOF)
	}
	for p.tok().Kind != EOF {
		// Only a stray closing token can be left here: parseOr stops at
		// nothing else.
		t := p.next()
		p.unexpected(t, "AND, OR or end of query")
		q.X = p.appendBad(q.X, t.Span)
	}
	// The lexer's errors (unterminated strings) join the parser's.
	for _, e := range p.lx.errs {
		p.errs.Add(e.Span, e.Severity, e.Msg)
	}
	p.errs.Sort()
	p.errs.Locate(src)
	return q, p.errs
}

// parser reads the tokens as the lexer makes them, one ahead (cur) and the
// kinds of the two before it, which is all Kibana's grammar needs.
type parser struct {
	lx          lexer
	src         string
	cur         Token
	prev, prev2 Kind
	depth       int
	errs        diag.ErrorList

	lits            []Literal // blocks newLiteral hands out
	nLits, nMatches int       // the sizes of the next blocks
	matches         []Match

	// Stacks of the operands and keyword spans of the and/or chains
	// being read.
	exprs  []Expr
	values []ValueExpr
	spans  []diag.Span
}

func (p *parser) tok() Token { return p.cur }

func (p *parser) next() Token {
	t := p.cur
	if t.Kind != EOF {
		p.prev2, p.prev = p.prev, t.Kind
		p.cur = p.lx.scan()
	}
	return t
}

func (p *parser) errorf(sp diag.Span, format string, args ...any) {
	p.errs.Addf(sp, diag.Error, format, args...)
}

// describe names a token for an error message.
func describe(t Token) string {
	switch t.Kind {
	case EOF:
		return "end of query"
	case Illegal:
		return fmt.Sprintf("%q (a backslash escapes only \\ ( ) : < > \" * { }, \\t \\r \\n, \\uXXXX and \\and \\or \\not)", t.Text)
	case Word, String:
		s := t.Text
		if utf8.RuneCountInString(s) > 20 {
			r := []rune(s)
			s = string(r[:20]) + "…"
		}
		return strconv.Quote(s)
	case And, Or, Not:
		return strings.ToUpper(t.Text)
	}
	return t.Kind.String()
}

func (p *parser) unexpected(t Token, want string) {
	p.errorf(t.Span, "unexpected %s, expected %s", describe(t), want)
}

// appendBad adds a bad clause at sp to x, as one more `and` operand.
func (p *parser) appendBad(x Expr, sp diag.Span) Expr {
	bad := &BadExpr{From: sp}
	if x == nil {
		return bad
	}
	if b, ok := x.(*BoolExpr); ok && b.Op == OpAnd {
		b.Args = append(b.Args, bad)
		b.OpSpans = append(b.OpSpans, diag.Span{Start: sp.Start, End: sp.Start})
		return b
	}
	return &BoolExpr{Op: OpAnd, Args: []Expr{x, bad}, OpSpans: []diag.Span{{Start: sp.Start, End: sp.Start}}}
}

// closes tells whether k ends the clauses of a group closed by end.
func closes(k, end Kind) bool {
	return k == EOF || k == end || k == RParen || k == RBrace
}

// skipJunk skips the tokens of a clause the parser cannot read: up to the
// next AND or OR, or the closing token of the group, with the groups inside
// skipped whole. It returns the span skipped.
func (p *parser) skipJunk(end Kind) diag.Span {
	start := p.tok().Span.Start
	last := start
	depth := 0
	for {
		t := p.tok()
		switch t.Kind {
		case EOF:
			return diag.Span{Start: start, End: last}
		case LParen, LBrace:
			depth++
		case RParen, RBrace:
			if depth == 0 {
				return diag.Span{Start: start, End: last}
			}
			depth--
		case And, Or:
			if depth == 0 {
				return diag.Span{Start: start, End: last}
			}
		}
		last = t.Span.End
		p.next()
	}
}

// parseOr reads `and (or and)*` up to the token end (EOF, RParen or RBrace).
// The operands and keyword spans of a chain gather on the parser's stacks
// and are copied out once, at their number.
func (p *parser) parseOr(end Kind) Expr {
	x := p.parseAnd(end)
	if p.tok().Kind != Or {
		return x
	}
	e0, s0 := len(p.exprs), len(p.spans)
	p.exprs = append(p.exprs, x)
	for p.tok().Kind == Or {
		p.spans = append(p.spans, p.next().Span)
		x := p.parseAnd(end)
		p.exprs = append(p.exprs, x)
	}
	return p.boolExpr(OpOr, e0, s0)
}

// boolExpr makes the chain whose operands and spans start at e0 and s0 of
// the stacks, and pops them.
func (p *parser) boolExpr(op BoolOp, e0, s0 int) *BoolExpr {
	b := &BoolExpr{Op: op, Args: slices.Clone(p.exprs[e0:]), OpSpans: slices.Clone(p.spans[s0:])}
	clear(p.exprs[e0:])
	p.exprs, p.spans = p.exprs[:e0], p.spans[:s0]
	return b
}

func (p *parser) parseAnd(end Kind) Expr {
	x := p.parseNot(end)
	e0, s0 := len(p.exprs), len(p.spans)
	p.exprs = append(p.exprs, x)
	for {
		t := p.tok()
		switch {
		case t.Kind == And:
			p.spans = append(p.spans, p.next().Span)
			x := p.parseNot(end)
			p.exprs = append(p.exprs, x)
			continue
		case t.Kind == Or || closes(t.Kind, end):
		default:
			// Something after a whole clause that joins nothing to it:
			// one error, the clause skipped, reading goes on.
			p.unexpected(t, p.expectedAfter(end))
			sp := p.skipJunk(end)
			p.spans = append(p.spans, diag.Span{Start: sp.Start, End: sp.Start})
			p.exprs = append(p.exprs, &BadExpr{From: sp})
			continue
		}
		if len(p.exprs) == e0+1 {
			p.exprs[e0] = nil
			p.exprs = p.exprs[:e0]
			return x
		}
		return p.boolExpr(OpAnd, e0, s0)
	}
}

func (p *parser) expectedAfter(end Kind) string {
	switch end {
	case RParen:
		return `AND, OR or ")"`
	case RBrace:
		return `AND, OR or "}"`
	}
	return "AND, OR or end of query"
}

func (p *parser) parseNot(end Kind) Expr {
	if p.tok().Kind != Not {
		return p.parseSub(end)
	}
	t := p.next()
	if !p.enter() {
		return p.tooDeep(t.Span.Start, end)
	}
	defer p.leave()
	if p.tok().Kind == Not && p.prev2 != Not {
		p.errorf(p.tok().Span, "NOT NOT: Kibana's grammar takes one NOT before a clause; write not (not ...)")
	}
	return &NotExpr{NotSpan: t.Span, X: p.parseNot(end)}
}

func (p *parser) enter() bool {
	p.depth++
	return p.depth <= MaxDepth
}

func (p *parser) leave() { p.depth-- }

// tooDeep reports nesting past MaxDepth and skips the rest of the clause,
// up to the end of the group (iteratively: no recursion).
func (p *parser) tooDeep(start int, end Kind) Expr {
	p.depth--
	p.errorf(diag.Span{Start: start, End: start + 1}, "nesting deeper than %d", MaxDepth)
	sp := p.skipJunk(end)
	sp.Start = start
	if sp.End < start {
		sp.End = start
	}
	return &BadExpr{From: sp}
}

func (p *parser) parseSub(end Kind) Expr {
	t := p.tok()
	switch {
	case t.Kind == LParen:
		p.next()
		if !p.enter() {
			return p.tooDeep(t.Span.Start, end)
		}
		defer p.leave()
		g := &ParenExpr{Lparen: t.Span}
		if k := p.tok().Kind; k == RParen || k == EOF || k == RBrace {
			p.unexpected(p.tok(), "a query")
			g.X = &BadExpr{From: diag.Span{Start: p.tok().Span.Start, End: p.tok().Span.Start}}
		} else {
			g.X = p.parseOr(RParen)
		}
		g.Rparen = p.expectClose(RParen, `")"`)
		return g
	case t.Kind.IsLiteral() || t.Kind == Or || t.Kind == And:
	default:
		p.unexpected(t, "a field, a value, NOT or \"(\"")
		if closes(t.Kind, end) || t.Kind == Or || t.Kind == And {
			return &BadExpr{From: diag.Span{Start: t.Span.Start, End: t.Span.Start}}
		}
		return &BadExpr{From: p.skipJunk(end)}
	}
	lit := p.parseLiteral()
	switch k := p.tok().Kind; {
	case k == Colon:
		colon := p.next().Span
		if p.tok().Kind == LBrace {
			return p.parseNested(lit, colon, end)
		}
		m := p.newMatch()
		m.Field, m.Colon, m.Value = lit, colon, p.parseValues()
		return m
	case k.IsRange():
		op := p.next()
		r := &Range{Field: lit, Op: op.Kind, OpSpan: op.Span}
		if t := p.tok(); t.Kind.IsLiteral() || t.Kind == Or || t.Kind == And {
			r.Value = p.parseLiteral()
		} else {
			p.unexpected(t, "a value")
			r.Value = &Literal{From: diag.Span{Start: op.Span.End, End: op.Span.End}}
		}
		return r
	}
	m := p.newMatch()
	m.Value = lit
	return m
}

// expectClose reads the closing token k, or reports it missing and returns
// an empty span where it was expected.
func (p *parser) expectClose(k Kind, name string) diag.Span {
	if t := p.tok(); t.Kind == k {
		return p.next().Span
	}
	t := p.tok()
	p.unexpected(t, name)
	return diag.Span{Start: t.Span.Start, End: t.Span.Start}
}

func (p *parser) parseNested(field *Literal, colon diag.Span, end Kind) Expr {
	lb := p.next()
	if !p.enter() {
		return p.tooDeep(field.From.Start, end)
	}
	defer p.leave()
	n := &Nested{Field: field, Colon: colon, Lbrace: lb.Span}
	if k := p.tok().Kind; k == RParen || k == EOF || k == RBrace {
		p.unexpected(p.tok(), "a query")
		n.X = &BadExpr{From: diag.Span{Start: p.tok().Span.Start, End: p.tok().Span.Start}}
	} else {
		n.X = p.parseOr(RBrace)
	}
	n.Rbrace = p.expectClose(RBrace, `"}"`)
	return n
}

// parseValues reads what follows `field:`: a literal or a value list.
func (p *parser) parseValues() ValueExpr {
	t := p.tok()
	switch {
	case t.Kind == LParen:
		return p.parseValueGroup()
	case t.Kind.IsLiteral() || t.Kind == Or || t.Kind == And:
		return p.parseLiteral()
	}
	p.unexpected(t, `a value or "("`)
	return &BadValue{From: diag.Span{Start: t.Span.Start, End: t.Span.Start}}
}

func (p *parser) parseValueGroup() ValueExpr {
	t := p.next()
	if !p.enter() {
		p.depth--
		p.errorf(t.Span, "nesting deeper than %d", MaxDepth)
		sp := p.skipJunk(RParen)
		sp.Start = t.Span.Start
		if p.tok().Kind == RParen {
			sp.End = p.next().Span.End
		}
		return &BadValue{From: sp}
	}
	defer p.leave()
	g := &ValueGroup{Lparen: t.Span}
	g.X = p.parseValueOr()
	g.Rparen = p.expectClose(RParen, `AND, OR or ")"`)
	return g
}

func (p *parser) parseValueOr() ValueExpr {
	x := p.parseValueAnd()
	if p.tok().Kind != Or {
		return x
	}
	v0, s0 := len(p.values), len(p.spans)
	p.values = append(p.values, x)
	for p.tok().Kind == Or {
		p.spans = append(p.spans, p.next().Span)
		x := p.parseValueAnd()
		p.values = append(p.values, x)
	}
	return p.valueBool(OpOr, v0, s0)
}

// valueBool is boolExpr for value lists.
func (p *parser) valueBool(op BoolOp, v0, s0 int) *ValueBool {
	b := &ValueBool{Op: op, Args: slices.Clone(p.values[v0:]), OpSpans: slices.Clone(p.spans[s0:])}
	clear(p.values[v0:])
	p.values, p.spans = p.values[:v0], p.spans[:s0]
	return b
}

func (p *parser) parseValueAnd() ValueExpr {
	x := p.parseValueNot()
	v0, s0 := len(p.values), len(p.spans)
	p.values = append(p.values, x)
	for {
		t := p.tok()
		switch t.Kind {
		case And:
			p.spans = append(p.spans, p.next().Span)
			x := p.parseValueNot()
			p.values = append(p.values, x)
			continue
		case Or, RParen, RBrace, EOF:
		default:
			p.unexpected(t, `AND, OR or ")"`)
			sp := p.skipJunk(RParen)
			p.spans = append(p.spans, diag.Span{Start: sp.Start, End: sp.Start})
			p.values = append(p.values, &BadValue{From: sp})
			continue
		}
		if len(p.values) == v0+1 {
			p.values[v0] = nil
			p.values = p.values[:v0]
			return x
		}
		return p.valueBool(OpAnd, v0, s0)
	}
}

func (p *parser) parseValueNot() ValueExpr {
	if p.tok().Kind != Not {
		return p.parseValues()
	}
	t := p.next()
	if !p.enter() {
		p.depth--
		p.errorf(t.Span, "nesting deeper than %d", MaxDepth)
		sp := p.skipJunk(RParen)
		sp.Start = t.Span.Start
		return &BadValue{From: sp}
	}
	defer p.leave()
	if p.tok().Kind == Not && p.prev2 != Not {
		p.errorf(p.tok().Span, "NOT NOT: Kibana's grammar takes one NOT before a value; write not (not ...)")
	}
	return &ValueNot{NotSpan: t.Span, X: p.parseValueNot()}
}

// parseLiteral reads a quoted string, or an unquoted literal: words joined
// by the white space between them, the first of which may be `and` or `or`
// (Kibana's grammar checks for a keyword only after white space inside the
// literal), up to a keyword or a special character.
func (p *parser) parseLiteral() *Literal {
	t := p.next()
	lit := p.newLiteral()
	if t.Kind == String {
		decodeQuoted(lit, t)
		return lit
	}
	last := t
	for p.tok().Kind == Word {
		last = p.next()
	}
	decodeUnquoted(lit, p.src[t.Span.Start:last.Span.End], diag.Span{Start: t.Span.Start, End: last.Span.End})
	return lit
}

// newLiteral and newMatch hand out nodes from blocks: the corpus has a
// literal for every field and value, and one allocation for each was most
// of the parser's time.
func (p *parser) newLiteral() *Literal {
	if len(p.lits) == 0 {
		p.lits = make([]Literal, p.grow(&p.nLits))
	}
	l := &p.lits[0]
	p.lits = p.lits[1:]
	return l
}

func (p *parser) newMatch() *Match {
	if len(p.matches) == 0 {
		p.matches = make([]Match, p.grow(&p.nMatches))
	}
	m := &p.matches[0]
	p.matches = p.matches[1:]
	return m
}

// decodeQuoted decodes "...": \t \r \n \uXXXX \\ \" are escapes; any other
// backslash stands for itself ("C:\Windows" is C:\Windows, but "C:\temp"
// holds a tab, as in Kibana).
func decodeQuoted(lit *Literal, t Token) {
	raw := t.Text
	body := raw[1:]
	if strings.HasSuffix(body, `"`) && len(raw) >= 2 {
		body = body[:len(body)-1]
	}
	*lit = Literal{From: t.Span, Raw: raw, Quoted: true}
	if !strings.Contains(body, `\`) {
		lit.Value = body
		return
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\\' && i+1 < len(body) {
			switch d := body[i+1]; d {
			case 't':
				b.WriteByte('\t')
				i++
				continue
			case 'r':
				b.WriteByte('\r')
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case '\\', '"':
				b.WriteByte(d)
				i++
				continue
			case 'u':
				if i+6 <= len(body) && isHex(body[i+2]) && isHex(body[i+3]) && isHex(body[i+4]) && isHex(body[i+5]) {
					writeUnit(&b, body[i+2:i+6])
					i += 5
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	lit.Value = b.String()
}

// writeUnit writes the UTF-16 code unit of four hex digits (a lone
// surrogate becomes U+FFFD).
func writeUnit(b *strings.Builder, hex string) {
	n, _ := strconv.ParseUint(hex, 16, 32)
	b.WriteRune(rune(n))
}

// decodeUnquoted decodes an unquoted literal: escapes replaced, `*` kept as
// a wildcard (its offset noted), the white space around it trimmed (Kibana's
// sequence.trim()), and true, false and null typed.
func decodeUnquoted(lit *Literal, raw string, sp diag.Span) {
	*lit = Literal{From: sp, Raw: raw}
	if !strings.ContainsAny(raw, `\*`) {
		lit.Value = raw
	} else {
		var b strings.Builder
		b.Grow(len(raw))
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			switch c {
			case '*':
				lit.Stars = append(lit.Stars, b.Len())
				b.WriteByte('*')
				continue
			case '\\':
				n := escapeLen(raw, i)
				if n == 0 {
					break
				}
				switch d := raw[i+1]; {
				case d == 't':
					b.WriteByte('\t')
				case d == 'r':
					b.WriteByte('\r')
				case d == 'n':
					b.WriteByte('\n')
				case n == 6:
					writeUnit(&b, raw[i+2:i+6])
				default:
					b.WriteString(raw[i+1 : i+n])
				}
				i += n - 1
				continue
			}
			b.WriteByte(c)
		}
		lit.Value = b.String()
	}
	// Escapes can put white space at the ends; Kibana trims it.
	if v := strings.TrimLeftFunc(lit.Value, isJSSpace); len(v) != len(lit.Value) {
		cut := len(lit.Value) - len(v)
		lit.Value = v
		stars := lit.Stars[:0]
		for _, s := range lit.Stars {
			if s >= cut {
				stars = append(stars, s-cut)
			}
		}
		lit.Stars = stars
	}
	lit.Value = strings.TrimRightFunc(lit.Value, isJSSpace)
	for len(lit.Stars) > 0 && lit.Stars[len(lit.Stars)-1] >= len(lit.Value) {
		lit.Stars = lit.Stars[:len(lit.Stars)-1]
	}
	if len(lit.Stars) == 0 {
		lit.Stars = nil
	}
	switch lit.Value {
	case "true":
		lit.Type = LitTrue
	case "false":
		lit.Type = LitFalse
	case "null":
		lit.Type = LitNull
	}
}

// isJSSpace is JavaScript's String.prototype.trim white space.
func isJSSpace(r rune) bool { return unicode.IsSpace(r) || r == 0xFEFF }

// grow returns the size of the next block of nodes and doubles it, from 4
// to 64: a short query wastes little, a long one allocates seldom.
func (p *parser) grow(n *int) int {
	*n = min(64, max(4, *n*2))
	return *n
}
