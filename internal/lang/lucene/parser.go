package lucene

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// MaxDepth is how deep groups may go; deeper is an error (the group is
// skipped), never a stack overflow.
const MaxDepth = 1000

// Parse reads a Lucene query string (Lucene's classic query parser, as
// Elasticsearch's query_string query and Kibana's "Lucene" language use it).
// It always returns a tree: where the source is wrong the tree has BadExpr
// nodes covering what could not be read, and the errors are positioned and
// sorted. An empty query (or one of white space only) has no Body and no
// error.
//
// The grammar is QueryParser.jj's
// (https://lucene.apache.org/core/9_0_0/queryparser/org/apache/lucene/queryparser/classic/package-summary.html):
//
//	query  = clause (conj? clause)*
//	clause = ("+" | "-" | "NOT" | "!")? (field ":")? (term suffix* | range boost? | "(" query ")" boost?)
//	conj   = "AND" | "&&" | "OR" | "||"
//
// There is no precedence: BooleanQuery.Occurs says what Lucene makes of the
// conjunctions and modifiers.
func Parse(src []byte) (*Query, diag.ErrorList) {
	p := parser{lx: lexer{src: string(src)}}
	p.src = p.lx.src
	p.cur = p.lx.scan()
	q := &Query{Src: p.src}
	if p.cur.Kind != EOF {
		q.Body = p.parseBool(false)
	}
	for p.cur.Kind != EOF {
		t := p.next()
		p.unexpected(t, "a clause, AND, OR or end of query")
		q.Body.Clauses = append(q.Body.Clauses, &Clause{X: &BadExpr{From: t.Span}})
	}
	for _, e := range p.lx.errs {
		p.errs.Add(e.Span, e.Severity, e.Msg)
	}
	p.errs.Sort()
	p.errs.Locate(src)
	return q, p.errs
}

// parser reads tokens as the lexer makes them, with one more ahead for
// `field:` (QueryParser.jj's LOOKAHEAD(2)).
type parser struct {
	lx     lexer
	src    string
	cur    Token
	ahead  Token
	peeked bool
	prev   Kind // the kind of the token before cur
	depth  int
	errs   diag.ErrorList

	nClauses int       // the size of the next block of clauses
	nTerms   int       // the size of the next block of terms
	nFields  int       // the size of the next block of fields
	stack    []*Clause // the clauses of the boolean queries being read
	clauses  []Clause  // blocks newClause, newTerm and newField hand out
	terms    []Term
	fields   []Field
}

func (p *parser) next() Token {
	t := p.cur
	if t.Kind == EOF {
		return t
	}
	p.prev = t.Kind
	if p.peeked {
		p.cur, p.peeked = p.ahead, false
	} else {
		p.cur = p.lx.scan()
	}
	return t
}

func (p *parser) peek() Token {
	if !p.peeked {
		p.ahead, p.peeked = p.lx.scan(), true
	}
	return p.ahead
}

func (p *parser) errorf(sp diag.Span, format string, args ...any) {
	p.errs.Addf(sp, diag.Error, format, args...)
}

func describe(t Token) string {
	switch t.Kind {
	case EOF:
		return "end of query"
	case Illegal:
		return fmt.Sprintf("%q", t.Text)
	case And, Or, Not, To:
		return t.Text
	}
	if t.Kind.IsTerm() {
		s := t.Text
		if utf8.RuneCountInString(s) > 20 {
			s = string([]rune(s)[:20]) + "…"
		}
		return t.Kind.String() + " " + strconv.Quote(s)
	}
	return t.Kind.String()
}

func (p *parser) unexpected(t Token, want string) {
	p.errorf(t.Span, "unexpected %s, expected %s", describe(t), want)
}

// parseBool reads clauses up to the end of the query or, in a group, the
// closing parenthesis (left for the caller).
func (p *parser) parseBool(inGroup bool) *BooleanQuery {
	b := &BooleanQuery{}
	c0 := len(p.stack)
	defer func() {
		b.Clauses = slices.Clone(p.stack[c0:])
		clear(p.stack[c0:])
		p.stack = p.stack[:c0]
	}()
	for {
		t := p.cur
		if t.Kind == EOF || t.Kind == RParen {
			return b
		}
		c := p.newClause()
		if t.Kind == And || t.Kind == Or {
			if len(p.stack) == c0 {
				p.errorf(t.Span, "%s with no clause before it", t.Text)
			}
			c.Conj, c.ConjSpan = t.Kind, t.Span
			p.next()
		}
		switch t := p.cur; t.Kind {
		case Plus, Minus, Not:
			c.Mod, c.ModSpan = t.Kind, t.Span
			p.next()
		}
		c.Field, c.X = p.parseClause()
		p.stack = append(p.stack, c)
	}
}

// newClause, newTerm and newField hand out nodes from blocks: one
// allocation for each was most of the parser's time.
func (p *parser) newClause() *Clause {
	if len(p.clauses) == 0 {
		p.clauses = make([]Clause, p.grow(&p.nClauses))
	}
	c := &p.clauses[0]
	p.clauses = p.clauses[1:]
	return c
}

func (p *parser) newTerm() *Term {
	if len(p.terms) == 0 {
		p.terms = make([]Term, p.grow(&p.nTerms))
	}
	t := &p.terms[0]
	p.terms = p.terms[1:]
	return t
}

func (p *parser) newField() *Field {
	if len(p.fields) == 0 {
		p.fields = make([]Field, p.grow(&p.nFields))
	}
	f := &p.fields[0]
	p.fields = p.fields[1:]
	return f
}

// parseClause reads [field:] and a term, phrase, range or group.
func (p *parser) parseClause() (*Field, Expr) {
	var field *Field
	if k := p.cur.Kind; (k == Word || k == Star) && p.peek().Kind == Colon {
		ft := p.next()
		colon := p.next()
		name := "*"
		if ft.Kind == Word {
			name = p.unescape(ft.Text, ft.Span)
		}
		field = p.newField()
		*field = Field{From: ft.Span, Raw: ft.Text, Name: name, Colon: colon.Span}
	}
	t := p.cur
	switch t.Kind {
	case LParen:
		return field, p.parseGroup()
	case Word, Star, Prefix, Wild, Regexp, Number, BareOp:
		return field, p.parseTerm()
	case Quoted:
		p.next()
		ph := &Phrase{From: t.Span, Raw: t.Text}
		inner := t.Text[1:]
		if len(t.Text) >= 2 && strings.HasSuffix(t.Text, `"`) {
			inner = t.Text[1 : len(t.Text)-1]
		}
		ph.Value = p.unescape(inner, t.Span)
		ph.Fuzzy, ph.Boost = p.parseSuffixes()
		return field, ph
	case LBrack, LBrace:
		return field, p.parseRange()
	}
	if t.Kind == Colon && (p.prev == Prefix || p.prev == Wild || p.prev == Quoted) {
		// Elasticsearch's page: book.\*:(quick OR brown).
		p.errorf(t.Span, "a field name cannot be a pattern or a phrase: escape its * and ? (book.\\*:x)")
	} else {
		p.unexpected(t, "a term, a phrase, a range or \"(\"")
	}
	switch t.Kind {
	case EOF, RParen, And, Or, Not, Plus, Minus:
		// Left for the clause loop, which knows what to do with them.
		return field, &BadExpr{From: diag.Span{Start: t.Span.Start, End: t.Span.Start}}
	}
	p.next()
	return field, &BadExpr{From: t.Span}
}

func (p *parser) parseTerm() *Term {
	t := p.next()
	x := p.newTerm()
	*x = Term{From: t.Span, Raw: t.Text}
	switch t.Kind {
	case Word, Number:
		x.Value = p.unescape(t.Text, t.Span)
		if t.Kind == Number {
			x.Kind = TermNumber
		}
	case Star:
		x.Kind, x.Value, x.Wild = TermStar, "*", []int{0}
	case Prefix:
		x.Kind = TermPrefix
		x.Value = p.unescape(t.Text[:len(t.Text)-1], t.Span)
	case Wild:
		x.Kind, x.Value, x.Wild = TermWildcard, t.Text, wildOffsets(t.Text)
	case Regexp:
		x.Kind = TermRegexp
		x.Value = strings.TrimPrefix(t.Text, "/")
		if len(t.Text) >= 2 && strings.HasSuffix(t.Text, "/") {
			x.Value = t.Text[1 : len(t.Text)-1]
		}
	case BareOp:
		x.Kind, x.Raw, x.Value = TermBareOp, t.Text[:1], t.Text[:1]
		x.From.End = x.From.Start + 1
	}
	x.Fuzzy, x.Boost = p.parseSuffixes()
	return x
}

// wildOffsets returns the offsets of the unescaped * and ? of s.
func wildOffsets(s string) []int {
	var out []int
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*', '?':
			out = append(out, i)
		}
	}
	return out
}

// parseSuffixes reads `^boost [~slop]` or `~slop [^boost]`.
func (p *parser) parseSuffixes() (fuzzy, boost *Suffix) {
	switch p.cur.Kind {
	case Caret:
		boost = p.parseBoost()
		if p.cur.Kind == Fuzzy {
			fuzzy = p.suffix()
		}
	case Fuzzy:
		fuzzy = p.suffix()
		if p.cur.Kind == Caret {
			boost = p.parseBoost()
		}
	}
	return fuzzy, boost
}

func (p *parser) suffix() *Suffix {
	t := p.next()
	return &Suffix{From: t.Span, Raw: t.Text}
}

// parseBoost reads ^ and its number.
func (p *parser) parseBoost() *Suffix {
	caret := p.next()
	if p.cur.Kind != Number {
		p.unexpected(p.cur, "a number after ^")
		if p.cur.Kind == Illegal {
			p.next()
		}
		return &Suffix{From: caret.Span, Raw: caret.Text}
	}
	n := p.next()
	sp := diag.Span{Start: caret.Span.Start, End: n.Span.End}
	return &Suffix{From: sp, Raw: p.src[sp.Start:sp.End]}
}

func (p *parser) parseGroup() Expr {
	lp := p.next()
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > MaxDepth {
		p.errorf(lp.Span, "nesting deeper than %d", MaxDepth)
		end, depth := lp.Span.End, 1
		for p.cur.Kind != EOF && depth > 0 {
			switch p.cur.Kind {
			case LParen:
				depth++
			case RParen:
				depth--
			}
			end = p.next().Span.End
		}
		return &BadExpr{From: diag.Span{Start: lp.Span.Start, End: end}}
	}
	g := &Group{Lparen: lp.Span}
	g.Body = p.parseBool(true)
	if len(g.Body.Clauses) == 0 {
		p.unexpected(p.cur, "a clause")
	}
	if p.cur.Kind == RParen {
		g.Rparen = p.next().Span
	} else {
		p.unexpected(p.cur, `")"`)
		g.Rparen = diag.Span{Start: p.cur.Span.Start, End: p.cur.Span.Start}
	}
	if p.cur.Kind == Caret {
		g.Boost = p.parseBoost()
	}
	return g
}

// parseRange reads [a TO b], {a TO b} or a mix of the two brackets.
func (p *parser) parseRange() Expr {
	open := p.next()
	r := &Range{Open: open.Span, LowerInclusive: open.Kind == LBrack}
	bad := func(want string) Expr {
		p.unexpected(p.cur, want)
		end := p.cur.Span.Start
		for k := p.cur.Kind; k == RangeGoop || k == RangeQuoted || k == To || k == Illegal; k = p.cur.Kind {
			end = p.next().Span.End
		}
		if k := p.cur.Kind; k == RBrack || k == RBrace {
			end = p.next().Span.End
		}
		return &BadExpr{From: diag.Span{Start: open.Span.Start, End: max(end, open.Span.End)}}
	}
	if r.Lower = p.bound(); r.Lower == nil {
		return bad("the lower bound of a range")
	}
	if p.cur.Kind != To {
		return bad("TO")
	}
	r.To = p.next().Span
	if r.Upper = p.bound(); r.Upper == nil {
		return bad("the upper bound of a range")
	}
	switch p.cur.Kind {
	case RBrack, RBrace:
		r.UpperInclusive = p.cur.Kind == RBrack
		r.Close = p.next().Span
	default:
		return bad(`"]" or "}"`)
	}
	if p.cur.Kind == Caret {
		r.Boost = p.parseBoost()
	}
	return r
}

func (p *parser) bound() *Bound {
	t := p.cur
	switch t.Kind {
	case RangeGoop, To:
		p.next()
		b := &Bound{From: t.Span, Raw: t.Text, Value: t.Text}
		if t.Text != "*" {
			b.Value = p.unescape(t.Text, t.Span)
		}
		return b
	case RangeQuoted:
		p.next()
		return &Bound{From: t.Span, Raw: t.Text, Quoted: true, Value: p.unescape(t.Text[1:len(t.Text)-1], t.Span)}
	}
	return nil
}

// unescape is Lucene's discardEscapeChar: a backslash keeps the character
// after it, \uXXXX is that character; a backslash at the end, or a short or
// non-hex \u, is an error.
func (p *parser) unescape(s string, sp diag.Span) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			p.errorf(sp, "a term cannot end with the escape character")
			break
		}
		if s[i+1] == 'u' {
			if i+6 > len(s) {
				p.errorf(sp, "truncated unicode escape sequence")
				break
			}
			n, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
			if err != nil || strings.ContainsAny(s[i+2:i+6], "+-") {
				p.errorf(sp, "non-hex character in unicode escape sequence")
				i += 5
				continue
			}
			b.WriteRune(rune(n))
			i += 5
			continue
		}
		i++
		b.WriteByte(s[i])
	}
	return b.String()
}

// grow returns the size of the next block of nodes and doubles it, from 4
// to 64: a short query wastes little, a long one allocates seldom.
func (p *parser) grow(n *int) int {
	*n = min(64, max(4, *n*2))
	return *n
}
