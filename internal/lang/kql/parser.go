package kql

import (
	"fmt"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// MaxDepth bounds the nesting of expressions and pipelines; deeper input
// gets an error rather than a stack that grows without end.
const MaxDepth = 1000

type bailout struct{}

// Nodes are allocated from slabs: one allocation per 64 nodes of a kind
// rather than one per node.
const slabSize = 64

// list returns the expressions pushed on p.stack since mark, in a slice
// carved from a shared backing array (capacity limited to its length, so
// that an append copies rather than overwrite a neighbour), and pops them.
// Lists nest: an inner list is popped before the outer one goes on.
func (p *parser) list(mark int) []Expr {
	items := p.stack[mark:]
	n := len(items)
	if n == 0 {
		p.stack = p.stack[:mark]
		return nil
	}
	if cap(p.exprs)-len(p.exprs) < n {
		p.exprs = make([]Expr, 0, max(n, min(2*cap(p.exprs)+8, 512)))
	}
	at := len(p.exprs)
	p.exprs = append(p.exprs, items...)
	clear(items)
	p.stack = p.stack[:mark]
	return p.exprs[at : at+n : at+n]
}

// alloc returns a new zero node from the slab s, growing it by a new
// backing array (twice the last, up to slabSize) when it is full.
func alloc[T any](s *[]T) *T {
	if len(*s) == cap(*s) {
		*s = make([]T, 0, min(2*cap(*s)+4, slabSize))
	}
	*s = (*s)[:len(*s)+1]
	return &(*s)[len(*s)-1]
}

func (p *parser) newIdent() *Ident     { return alloc(&p.idents) }
func (p *parser) newLiteral() *Literal { return alloc(&p.lits) }
func (p *parser) newCall() *CallExpr   { return alloc(&p.calls) }

func (p *parser) pipe(src Expr, pipe int, op TabularOp) *PipeExpr {
	x := alloc(&p.pipes)
	*x = PipeExpr{Source: src, Pipe: pipe, Op: op}
	return x
}

func (p *parser) selector(x Expr, sel *Ident) *SelectorExpr {
	s := alloc(&p.sels)
	*s = SelectorExpr{X: x, Sel: sel}
	return s
}

func (p *parser) binary(x Expr, pos int, op string, y Expr) *BinaryExpr {
	b := alloc(&p.bins)
	*b = BinaryExpr{X: x, OpPos: pos, Op: op, Y: y}
	return b
}

type parser struct {
	src     string
	toks    []Token
	i       int
	errs    diag.ErrorList
	depth   int
	idents  []Ident
	lits    []Literal
	calls   []CallExpr
	bins    []BinaryExpr
	pipes   []PipeExpr
	stack   []Expr // list items being read (see list)
	exprs   []Expr // backing array of finished lists
	ops     []Operator
	clauses []Clause
	sels    []SelectorExpr
	// inSearch is above 0 in search's predicate, where Column:"term" is a comparison
	inSearch int
	// work counts the parser's steps that are not token reads: entries
	// into a nesting level and tokens looked at ahead. The tests bound it
	// by the number of tokens (a parse is linear), rather than time it.
	work int
}

// Parse reads a KQL script from src. It always returns a tree, partial
// where the source has errors (an operator that cannot be read is a
// BadOperator, an expression a BadExpr), and every error found, sorted by
// position, one per position, located (columns in runes, as package diag
// counts them); nil when there is none.
func Parse(src []byte) (*Script, diag.ErrorList) {
	s, errs, _ := parse(string(src))
	return s, errs
}

// ParseString is Parse of a query already held as a string: the tree's
// names and values are cut from the text the tree keeps (Script.Src), so
// Parse copies its bytes once and ParseString not at all.
func ParseString(src string) (*Script, diag.ErrorList) {
	s, errs, _ := parse(src)
	return s, errs
}

// ParseTokens is ParseString that also returns the tokens of src, as Lex
// makes them: src is lexed once for the tree and the tokens (a highlighter
// or a lint check that reads both).
func ParseTokens(src string) (*Script, []Token, diag.ErrorList) {
	s, errs, _, toks := parseKeep(src, true)
	return s, toks, errs
}

// parse is ParseString; it also returns the work the parser did (see parser.work).
func parse(text string) (*Script, diag.ErrorList, int) {
	s, errs, work, _ := parseKeep(text, false)
	return s, errs, work
}

// parseKeep is parse; with keep it returns the lexer's tokens too (then
// they do not serve the next parse).
func parseKeep(text string, keep bool) (*Script, diag.ErrorList, int, []Token) {
	lx := &lexer{src: text}
	if !keep {
		if b, ok := tokenPool.Get().(*[]Token); ok {
			lx.toks = (*b)[:0]
		}
		defer func() { // the tree holds no token: the slice serves the next parse
			if cap(lx.toks) <= 1<<20 {
				t := lx.toks[:0]
				tokenPool.Put(&t)
			}
		}()
	}
	lx.run()
	var toks []Token
	if keep {
		toks = lx.toks
	}
	p := &parser{src: text, toks: lx.toks, errs: lx.errs}
	s := &Script{Src: text, Comments: lx.comments}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(bailout); !ok {
					panic(r)
				}
			}
		}()
		s.Stmts = p.parseStmts(false)
	}()
	if len(p.errs) == 0 {
		return s, nil, p.work, toks
	}
	p.errs.Sort()
	// one error per position is enough: the first one met there
	out := p.errs[:0]
	for i, e := range p.errs {
		if i > 0 && e.Span.Start == out[len(out)-1].Span.Start {
			continue
		}
		out = append(out, e)
	}
	if len(out) > 0 {
		out.Locate([]byte(text)) // a copy only when there is an error to locate
	}
	return s, out, p.work, toks
}

var tokenPool sync.Pool

// ---- token helpers

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

// text returns a token's text.
func (p *parser) text(t *Token) string { return p.src[t.Pos:t.End] }

// tword tells whether t is the word w (a name, keyword or word operator).
func (p *parser) tword(t *Token, w string) bool {
	return t.Kind.IsName() && t.End-t.Pos == len(w) && p.src[t.Pos:t.End] == w
}

func (p *parser) is(k Kind) bool     { return p.toks[p.i].Kind == k }
func (p *parser) word(w string) bool { return p.tword(p.tok(), w) }

// trailingComma tells whether the token before a closing parenthesis is a comma.
func (p *parser) trailingComma() bool {
	return p.is(RParen) && p.i > 0 && p.toks[p.i-1].Kind == Comma
}

func (p *parser) got(k Kind) bool {
	if p.is(k) {
		p.i++
		return true
	}
	return false
}

func (p *parser) gotWord(w string) bool {
	if p.word(w) {
		p.i++
		return true
	}
	return false
}

// errorAt reports an error at the token t.
func (p *parser) errorAt(t *Token, format string, args ...any) {
	p.errs.Addf(diag.Span{Start: t.Pos, End: t.End}, diag.Error, format, args...)
}

func (p *parser) describe(t *Token) string {
	switch t.Kind {
	case EOF:
		return "end of query"
	}
	if t.Kind.IsPunct() || t.Kind.IsName() {
		return fmt.Sprintf("%q", p.text(t))
	}
	s := p.text(t)
	if len(s) > 20 {
		s = s[:20] + "…"
	}
	return fmt.Sprintf("%s %s", t.Kind, s)
}

func (p *parser) unexpected(want string) {
	t := p.tok()
	p.errorAt(t, "expected %s, found %s", want, p.describe(t))
}

func (p *parser) expect(k Kind) int {
	t := p.tok()
	if t.Kind == k {
		p.i++
		return t.End
	}
	p.unexpected(fmt.Sprintf("%q", k.String()))
	return p.end()
}

func (p *parser) expectWord(w string) bool {
	if p.gotWord(w) {
		return true
	}
	p.unexpected(fmt.Sprintf("%q", w))
	return false
}

// end is the end offset of the last token read.
func (p *parser) end() int {
	if p.i == 0 {
		return 0
	}
	return p.toks[p.i-1].End
}

func (p *parser) enter() {
	p.work++
	p.depth++
	if p.depth > MaxDepth {
		p.errorAt(p.tok(), "nesting deeper than %d levels", MaxDepth)
		panic(bailout{})
	}
}

func (p *parser) leave() { p.depth-- }

// atOperatorEnd tells whether the current token ends an operator.
func (p *parser) atOperatorEnd() bool {
	switch p.tok().Kind {
	case EOF, Pipe, Semicolon, RParen, RBrace, RBrack:
		return true
	}
	return false
}

// skipTo skips tokens, balanced, until one of stops at bracket depth 0 (or
// an unbalanced closing bracket, or the end).
func (p *parser) skipTo(stops ...Kind) {
	depth := 0
	for {
		switch k := p.tok().Kind; k {
		case EOF:
			return
		case LParen, LBrack, LBrace:
			depth++
		case RParen, RBrack, RBrace:
			if depth == 0 {
				return
			}
			depth--
		default:
			if depth == 0 {
				for _, s := range stops {
					if k == s {
						return
					}
				}
			}
		}
		p.i++
	}
}

// ---- statements

// parseStmts reads statements separated by ';' until the end, or until '}'
// when inBody.
func (p *parser) parseStmts(inBody bool) []Stmt {
	var stmts []Stmt
	for {
		for p.got(Semicolon) {
		}
		t := p.tok()
		if t.Kind == EOF || inBody && t.Kind == RBrace {
			return stmts
		}
		start := p.i
		stmts = append(stmts, p.parseStmt())
		t = p.tok()
		switch {
		case t.Kind == Semicolon, t.Kind == EOF, inBody && t.Kind == RBrace:
		default:
			p.errorAt(t, "expected \";\" or the end of the query, found %s", p.describe(t))
			p.skipTo(Semicolon)
			if p.tok().Kind != EOF && !p.is(Semicolon) && !(inBody && p.is(RBrace)) {
				p.i++ // an unbalanced closing bracket
			}
		}
		if p.i == start {
			p.i++
		}
	}
}

func (p *parser) parseStmt() Stmt {
	t := p.tok()
	if t.Kind.IsName() {
		switch p.text(t) {
		case "let":
			return p.parseLet()
		case "set":
			if n := p.peek(1); n.Kind.IsName() {
				return p.parseSet()
			}
		case "declare":
			if n := p.peek(1); p.tword(n, "query_parameters") {
				return p.parseDeclare()
			}
		case "alias", "pattern", "restrict":
			if n := p.peek(1); n.Kind.IsName() {
				start := t.Pos
				p.skipTo(Semicolon)
				return &RawStmt{Pos: start, End: p.end(), Text: p.src[start:p.end()]}
			}
		}
	}
	return &ExprStmt{X: p.parsePipeline()}
}

func (p *parser) parseLet() Stmt {
	start := p.next().Pos
	s := &LetStmt{Pos: start}
	s.Name = p.parseName()
	p.expect(Assign)
	switch {
	case p.isFuncDefStart(0):
		s.Value = p.parseFuncDef(false)
	case p.word("view") && p.isFuncDefStart(1):
		p.next()
		s.Value = p.parseFuncDef(true)
	default:
		s.Value = p.parsePipeline()
	}
	s.End = p.end()
	return s
}

// isFuncDefStart tells whether the tokens at offset n start (params) {.
func (p *parser) isFuncDefStart(n int) bool {
	if p.peek(n).Kind != LParen {
		return false
	}
	a := p.peek(n + 1)
	if a.Kind == RParen {
		return p.peek(n+2).Kind == LBrace
	}
	return a.Kind.IsName() && p.peek(n+2).Kind == Colon
}

func (p *parser) parseFuncDef(view bool) *FuncDef {
	f := &FuncDef{Pos: p.tok().Pos, View: view}
	p.expect(LParen)
	if !p.is(RParen) {
		f.Params = p.parseTypedNames(true)
	}
	p.expect(RParen)
	p.expect(LBrace)
	p.enter()
	f.Body = p.parseStmts(true)
	p.leave()
	f.End = p.expect(RBrace)
	return f
}

// parseTypedNames reads name:type [= default], ... (a schema or parameters).
func (p *parser) parseTypedNames(defaults bool) []*TypedName {
	var out []*TypedName
	for {
		if p.is(Mul) { // (*) in a tabular parameter's schema
			t := p.next()
			out = append(out, &TypedName{Name: &Ident{Pos: t.Pos, End: t.End, Name: "*"}, End: t.End})
		} else {
			out = append(out, p.parseTypedName(defaults))
		}
		if !p.got(Comma) || p.is(RParen) { // a trailing comma is allowed
			return out
		}
	}
}

func (p *parser) parseTypedName(defaults bool) *TypedName {
	tn := &TypedName{Name: p.parseName()}
	if p.got(Colon) {
		tn.Type = p.parseType()
	}
	if defaults && p.got(Assign) {
		tn.Default = p.parseExpr()
	}
	tn.End = p.end()
	return tn
}

func (p *parser) parseType() *TypeExpr {
	t := p.tok()
	if t.Kind == LParen {
		te := &TypeExpr{Pos: t.Pos, Schema: true}
		p.next()
		if !p.is(RParen) {
			for _, c := range p.parseTypedNames(false) {
				if c.Name.Name == "*" && c.Type == nil {
					te.Star = true
				}
				te.Columns = append(te.Columns, c)
			}
		}
		te.End = p.expect(RParen)
		return te
	}
	if t.Kind.IsName() || t.Kind == TypedLit {
		p.next()
		name := p.text(t)
		if t.Kind == TypedLit { // never: a type name is not followed by '('
			name = p.text(t)
		}
		return &TypeExpr{Pos: t.Pos, End: t.End, Name: name}
	}
	p.unexpected("a type")
	return &TypeExpr{Pos: p.end(), End: p.end()}
}

func (p *parser) parseSet() Stmt {
	start := p.next().Pos
	s := &SetStmt{Pos: start}
	name := p.text(p.next())
	for p.is(Dot) || p.is(Sub) {
		if p.tok().Space {
			break
		}
		name += p.text(p.next())
		if t := p.tok(); t.Kind.IsName() && !t.Space {
			name += p.text(p.next())
		}
	}
	s.Name = name
	if p.got(Assign) {
		s.Value = p.parseExpr()
	}
	s.End = p.end()
	return s
}

func (p *parser) parseDeclare() Stmt {
	start := p.next().Pos
	p.next() // query_parameters
	s := &DeclareStmt{Pos: start}
	p.expect(LParen)
	if !p.is(RParen) {
		s.Params = p.parseTypedNames(true)
	}
	s.End = p.expect(RParen)
	return s
}

// parseName reads a name: an identifier or a bracketed name.
func (p *parser) parseName() *Ident {
	t := p.tok()
	if t.Kind.IsName() {
		p.next()
		return p.identOf(t)
	}
	p.unexpected("a name")
	return &Ident{Pos: p.end(), End: p.end()}
}

func (p *parser) identOf(t *Token) *Ident {
	id := p.newIdent()
	*id = Ident{Pos: t.Pos, End: t.End, Name: p.text(t)}
	if len(p.text(t)) > 2 && p.text(t)[0] == '[' {
		in := strings.TrimSpace(p.text(t)[1 : len(p.text(t))-1])
		id.Name = Unquote(in)
		id.Quoted = true
	}
	return id
}

// ---- pipelines and operators

// sourceOperator tells whether the current token starts a query with an
// operator rather than an expression (union T, print x, range x from ...).
func (p *parser) sourceOperator() bool {
	t := p.tok()
	if !t.Kind.IsName() {
		return false
	}
	n := p.peek(1)
	switch p.text(t) {
	case "union":
		return !(n.Kind == Comma || n.Kind == RParen || n.Kind == Assign || n.Kind == Eql || n.Kind == Dot)
	case "print":
		return !(n.Kind == Comma || n.Kind == RParen || n.Kind == Eql || n.Kind == Dot || n.Kind == LParen)
	case "range":
		return n.Kind.IsName() && p.tword(p.peek(2), "from")
	case "search", "find":
		return n.Kind == String || p.tword(n, "in") || p.tword(n, "kind") || p.tword(n, "where") || p.tword(n, "withsource") || n.Kind == Mul ||
			n.Kind.IsName() && !(p.peek(2).Kind == RParen || p.peek(2).Kind == Comma)
	case "evaluate":
		return n.Kind.IsName() && (p.peek(2).Kind == LParen || p.peek(2).Kind == Dot)
	}
	return false
}

// parsePipeline reads an expression followed by | operators.
func (p *parser) parsePipeline() Expr {
	p.enter()
	defer p.leave()
	var x Expr
	if p.sourceOperator() {
		x = p.pipe(nil, -1, p.parseOperator())
	} else {
		x = p.parseExpr()
	}
	for p.is(Pipe) {
		pipe := p.next().Pos
		x = p.pipe(x, pipe, p.parseOperator())
	}
	return x
}

// parseSubquery reads a pipeline that starts with an operator (mv-apply's
// on (...), fork's branches, facet's with (...)).
func (p *parser) parseSubquery() Expr {
	p.enter()
	defer p.leave()
	pipe := -1
	if p.is(Pipe) {
		pipe = p.next().Pos
	}
	var x Expr = p.pipe(nil, pipe, p.parseOperator())
	for p.is(Pipe) {
		pipe := p.next().Pos
		x = p.pipe(x, pipe, p.parseOperator())
	}
	return x
}

var operatorSynonyms = map[string]string{
	"filter": "where", "order": "sort", "limit": "take", "mvexpand": "mv-expand", "mvapply": "mv-apply",
}

// Canonical returns the keyword an operator name stands for: filter →
// where, order → sort, limit → take, mvexpand → mv-expand.
func Canonical(name string) string {
	if c, ok := operatorSynonyms[name]; ok {
		return c
	}
	return name
}

var (
	joinOptions    = optionSet("kind")
	unionOptions   = optionSet("kind", "withsource", "isfuzzy")
	expandOptions  = optionSet("kind", "bagexpansion", "with_itemindex")
	parseOptions   = optionSet("kind", "flags")
	hintOptions    = optionSet()
	searchOptions  = optionSet("kind", "withsource")
	findOptions    = optionSet("withsource", "datascope")
	scanOptions    = optionSet("with_match_id")
	consumeOptions = optionSet("decodeblocks")
)

type options map[string]bool

func optionSet(names ...string) options {
	m := options{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// parseParams reads name=value options the operator allows (and hint.* ones).
func (p *parser) parseParams(allowed options) []*NamedExpr {
	var out []*NamedExpr
	for {
		t := p.tok()
		if !t.Kind.IsName() {
			return out
		}
		n := 1
		name := p.text(t)
		for p.peek(n).Kind == Dot && p.peek(n+1).Kind.IsName() {
			name += "." + p.text(p.peek(n+1))
			n += 2
		}
		if p.peek(n).Kind != Assign || !(allowed[name] || strings.HasPrefix(name, "hint.")) {
			return out
		}
		id := &Ident{Pos: t.Pos, End: p.peek(n - 1).End, Name: name}
		p.i += n + 1
		var v Expr
		if t := p.tok(); t.Kind.IsName() {
			p.next()
			v = p.identOf(t)
		} else if t.Kind == Sub {
			v = p.parseUnary()
		} else {
			v = p.parsePrimary()
		}
		out = append(out, &NamedExpr{Name: id, Value: v})
	}
}

func (p *parser) parseOperator() TabularOp {
	t := p.tok()
	if !t.Kind.IsName() {
		p.unexpected("a query operator")
		p.skipTo(Pipe, Semicolon)
		if p.tok() == t { // nothing skipped: an empty operator after the pipe
			return &BadOperator{Pos: p.end(), End: p.end()}
		}
		return &BadOperator{Pos: t.Pos, End: p.end()}
	}
	op := alloc(&p.ops)
	op.Pos = t.Pos
	p.next()
	op.Raw = p.text(t)
	op.Keyword = Canonical(p.text(t))
	main := func(xs ...Expr) { op.Clauses = append(op.Clauses, p.clause("", -1, -1, xs, false)) }
	kw := func(k string) clauseStart { return p.keywordRead(op, k) }
	switch op.Keyword {
	case "where":
		main(p.parseExpr())
	case "project", "extend", "project-rename", "serialize", "print":
		if !p.atOperatorEnd() {
			main(p.parseColumnList(false)...)
		}
	case "project-away", "project-keep", "project-reorder":
		main(p.parseColumnList(true)...)
	case "distinct":
		op.Params = p.parseParams(hintOptions)
		main(p.parseColumnList(true)...)
	case "summarize":
		op.Params = p.parseParams(hintOptions)
		if !p.word("by") && !p.atOperatorEnd() {
			main(p.parseColumnList(false)...)
		}
		if p.gotWord("by") {
			kw("by").of(p.parseColumnList(false)...)
		}
	case "sort":
		op.Params = p.parseParams(hintOptions)
		p.expectWord("by")
		kw("by").of(p.parseOrderedList()...)
	case "top":
		op.Params = p.parseParams(hintOptions)
		main(p.parseExpr())
		p.expectWord("by")
		kw("by").of(p.parseOrdered())
	case "take", "sample":
		op.Params = p.parseParams(hintOptions)
		main(p.parseExpr())
	case "count", "getschema":
	case "consume":
		op.Params = p.parseParams(consumeOptions)
	case "as":
		op.Params = p.parseParams(optionSet())
		main(p.parseName())
	case "invoke":
		main(p.parsePostfix())
	case "join", "lookup":
		op.Params = p.parseParams(joinOptions)
		main(p.parseTableArg())
		if p.gotWord("on") {
			kw("on").of(p.parseExprList()...)
		} else if p.gotWord("where") {
			kw("where").of(p.parseExpr())
		}
	case "union":
		op.Params = p.parseParams(unionOptions)
		var xs []Expr
		for {
			xs = append(xs, p.parseTableArg())
			if !p.got(Comma) {
				break
			}
		}
		main(xs...)
	case "mv-expand":
		op.Params = p.parseParams(expandOptions)
		main(p.parseExpandItems()...)
		if p.gotWord("limit") {
			kw("limit").of(p.parseExpr())
		}
	case "mv-apply":
		op.Params = p.parseParams(expandOptions)
		main(p.parseExpandItems()...)
		if p.gotWord("limit") {
			kw("limit").of(p.parseExpr())
		}
		if p.gotWord("id") { // mv-apply ... id=Name is rare; the option form covers it
			kw("id").of(p.parseExpr())
		}
		if p.expectWord("on") {
			kw("on").of(p.parseParenSubquery())
		}
	case "parse", "parse-where":
		op.Params = p.parseParams(parseOptions)
		main(p.parseExpr())
		if p.expectWord("with") {
			kw("with").seq(p.parsePattern()...)
		}
	case "parse-kv":
		main(p.parseExpr())
		if p.expectWord("as") {
			kw("as").of(p.parseType())
		}
		if p.gotWord("with") {
			kw("with").of(p.parseParenNamedList())
		}
	case "evaluate":
		op.Params = p.parseParams(hintOptions)
		main(p.parsePostfix())
		if p.got(Colon) { // the plugin's output schema
			kw(":").of(p.parseType())
		}
	case "make-series":
		op.Params = p.parseParams(joinOptions)
		main(p.parseSeriesAggregates()...)
		if p.expectWord("on") {
			kw("on").of(p.parseAdd()) // not parseExpr: "on T in range(...)" is not an in test
		}
		if p.gotWord("in") {
			// in range(start, stop, step): syntax, not a call of range()
			in := kw("in")
			in.k = "in range"
			if p.expectWord("range") {
				in.kwEnd = p.end()
			}
			p.expect(LParen)
			args := p.parseExprList()
			p.expect(RParen)
			in.of(args...)
		} else {
			for _, k := range []string{"from", "to", "step"} {
				if p.gotWord(k) {
					kw(k).of(p.parseExpr())
				}
			}
		}
		if p.gotWord("by") {
			kw("by").of(p.parseColumnList(false)...)
		}
	case "top-nested":
		p.parseTopNested(op)
	case "top-hitters":
		main(p.parseExpr())
		if p.expectWord("of") {
			kw("of").of(p.parseExpr())
		}
		if p.gotWord("by") {
			kw("by").of(p.parseExpr())
		}
	case "sample-distinct":
		main(p.parseExpr())
		if p.expectWord("of") {
			kw("of").of(p.parseExpr())
		}
	case "render":
		main(p.parseName())
		if p.gotWord("with") {
			kw("with").of(p.parseParenNamedList())
		}
		var props []Expr // the old form: render chart kind=stacked title="x"
		for p.tok().Kind.IsName() && p.peek(1).Kind == Assign {
			props = append(props, p.parseNamedOrExpr())
		}
		if len(props) > 0 {
			op.Clauses = append(op.Clauses, p.clause("", -1, -1, props, true))
		}
	case "search":
		op.Params = p.parseParams(searchOptions)
		if p.gotWord("in") {
			kw("in").of(p.parseTableTuple())
		}
		p.inSearch++
		main(p.parseExpr())
		p.inSearch--
	case "find":
		op.Params = p.parseParams(findOptions)
		if p.gotWord("in") {
			kw("in").of(p.parseTableTuple())
		}
		if p.gotWord("where") {
			kw("where").of(p.parseExpr())
		} else {
			main(p.parseExpr())
		}
		if p.gotWord("project-smart") {
			kw("project-smart").of()
		} else if p.gotWord("project") {
			kw("project").of(p.parseColumnList(true)...)
		}
	case "fork":
		var xs []Expr
		for p.is(LParen) || p.tok().Kind.IsName() && p.peek(1).Kind == Assign {
			if p.tok().Kind.IsName() {
				name := p.parseName()
				p.next()
				xs = append(xs, &NamedExpr{Name: name, Value: p.parseParenSubquery()})
			} else {
				xs = append(xs, p.parseParenSubquery())
			}
		}
		if len(xs) == 0 {
			p.unexpected("\"(\"")
		}
		op.Clauses = append(op.Clauses, p.clause("", -1, -1, xs, true))
	case "facet":
		if p.expectWord("by") {
			kw("by").of(p.parseColumnList(false)...)
		}
		if p.gotWord("with") {
			if p.is(Mul) {
				kw("with").of(&StarExpr{Pos: p.next().Pos})
			} else {
				kw("with").of(p.parseParenSubquery())
			}
		}
	case "partition":
		op.Params = p.parseParams(hintOptions)
		if p.expectWord("by") {
			kw("by").of(p.parseName())
		}
		if p.is(LBrace) {
			lb := p.next().Pos
			sub := p.parseSubqueryOrPipeline()
			end := p.expect(RBrace)
			main(&ParenExpr{Pos: lb, End: end, X: sub})
		} else {
			main(p.parseParenSubqueryOrPipeline())
		}
	case "reduce":
		op.Params = p.parseParams(joinOptions)
		if p.expectWord("by") {
			kw("by").of(p.parseExpr())
		}
		if p.gotWord("with") {
			kw("with").of(p.parseColumnList(false)...)
		}
	case "range":
		main(p.parseName())
		for _, k := range []string{"from", "to", "step"} {
			if p.expectWord(k) {
				kw(k).of(p.parseExpr())
			}
		}
	case "scan":
		op.Params = p.parseParams(scanOptions)
		p.parseScan(op)
	case "make-graph", "graph-match", "graph-to-table", "graph-merge", "graph-where-nodes", "graph-where-edges",
		"graph-shortest-paths", "graph-mark-components", "execute-and-cache", "assert-schema", "macro-expand",
		"project-by-names", "project-smart", "partition-by":
		main(p.parseRaw())
	default:
		p.errorAt(t, "unknown query operator %q", p.text(t))
		main(p.parseRaw())
	}
	if !p.atOperatorEnd() {
		p.errorAt(p.tok(), "unexpected %s in %s", p.describe(p.tok()), op.Raw)
		p.skipTo(Pipe, Semicolon)
	}
	op.End = p.end()
	if op.End < op.Pos {
		op.End = op.Pos
	}
	return op
}

// clause makes a clause of k (its keyword's span [kwPos, kwEnd), -1 when
// it has none) and its expressions xs, ending at the last token read.
func (p *parser) clause(k string, kwPos, kwEnd int, xs []Expr, seq bool) *Clause {
	c := alloc(&p.clauses)
	*c = Clause{Keyword: k, Exprs: xs, Seq: seq, End: p.end()}
	if len(xs) > 0 {
		c.Pos, _ = xs[0].Span()
	} else {
		c.Pos = p.end()
	}
	if kwPos < 0 {
		kwPos, kwEnd = c.Pos, c.Pos
	}
	c.KwPos, c.KwEnd = kwPos, kwEnd
	return c
}

// clauseStart is a clause of op whose keyword has been read, its
// expressions not yet.
type clauseStart struct {
	p            *parser
	op           *Operator
	k            string
	kwPos, kwEnd int
}

// keywordRead starts a clause of op whose keyword k (as many words as it
// has) are the last tokens read. Written kw("by").of(p.parseX()), the
// keyword is taken before the expressions are read (Go evaluates a call's
// function value before its arguments).
func (p *parser) keywordRead(op *Operator, k string) clauseStart {
	n := strings.Count(k, " ") + 1
	n = min(n, p.i)
	if n == 0 {
		return clauseStart{p: p, op: op, k: k, kwPos: -1, kwEnd: -1}
	}
	return clauseStart{p: p, op: op, k: k, kwPos: p.toks[p.i-n].Pos, kwEnd: p.toks[p.i-1].End}
}

// of adds the clause with its expressions xs, separated by commas.
func (c clauseStart) of(xs ...Expr) {
	c.op.Clauses = append(c.op.Clauses, c.p.clause(c.k, c.kwPos, c.kwEnd, xs, false))
}

// seq adds the clause with its expressions xs, written one after another.
func (c clauseStart) seq(xs ...Expr) {
	c.op.Clauses = append(c.op.Clauses, c.p.clause(c.k, c.kwPos, c.kwEnd, xs, true))
}

// parseRaw keeps the tokens up to the operator's end as written.
func (p *parser) parseRaw() Expr {
	first := p.i
	p.skipTo(Pipe, Semicolon)
	if p.i == first { // nothing kept: an empty run after the last token read
		return &RawExpr{Pos: p.end(), End: p.end()}
	}
	start, end := p.toks[first].Pos, p.end()
	return &RawExpr{Pos: start, End: end, Text: p.src[start:end]}
}

// parseTableArg reads a join, lookup or union argument: a table name,
// wildcard, (subquery), or a call (table("x"), view()).
func (p *parser) parseTableArg() Expr {
	if w := p.parseWildcard(); w != nil {
		return w
	}
	return p.parsePostfix()
}

func (p *parser) parseTableTuple() Expr {
	tu := &TupleExpr{Pos: p.tok().Pos}
	if p.expect(LParen) != tu.Pos+1 { // no "(": an empty tuple after the last token read
		tu.Pos = p.end()
	}
	for !p.is(RParen) && p.tok().Kind != EOF {
		tu.Elems = append(tu.Elems, p.parseTableArg())
		if !p.got(Comma) {
			break
		}
	}
	tu.Comma = p.trailingComma()
	tu.End = p.expect(RParen)
	return tu
}

// parseWildcard reads a name pattern with * (Device*, *Id) written with no
// space inside; nil when the tokens here are not one.
func (p *parser) parseWildcard() Expr {
	j := p.i
	star := false
	for {
		t := &p.toks[j]
		if j > p.i && t.Space {
			break
		}
		if t.Kind == Mul {
			star = true
		} else if !t.Kind.IsName() && t.Kind != Int {
			break
		}
		j++
		p.work++
	}
	if !star || j == p.i {
		return nil
	}
	// a lone * followed by ( is not a name pattern
	start, end := p.toks[p.i].Pos, p.toks[j-1].End
	p.i = j
	return &WildcardName{Pos: start, End: end, Text: p.src[start:end]}
}

// parseColumnList reads a comma list of columns or assignments; with
// wildcards, name patterns and asc/desc (project-reorder) are allowed.
func (p *parser) parseColumnList(wildcards bool) []Expr {
	mark := len(p.stack)
	for {
		var x Expr
		if wildcards {
			x = p.parseWildcard()
		}
		if x == nil {
			x = p.parseNamedOrExpr()
		}
		if wildcards && (p.word("asc") || p.word("desc") || p.word("granny-asc") || p.word("granny-desc")) {
			x = &OrderedExpr{X: x, Dir: p.text(p.next()), End: p.end()}
		}
		p.stack = append(p.stack, x)
		if !p.got(Comma) {
			return p.list(mark)
		}
	}
}

func (p *parser) parseExprList() []Expr {
	mark := len(p.stack)
	for {
		x := p.parseExpr()
		p.stack = append(p.stack, x)
		if !p.got(Comma) {
			return p.list(mark)
		}
	}
}

// parseNamedOrExpr reads Name = expr, (A, B) = expr, or expr.
func (p *parser) parseNamedOrExpr() Expr {
	t := p.tok()
	if t.Kind.IsName() && p.peek(1).Kind == Assign {
		name := p.parseName()
		p.next()
		return &NamedExpr{Name: name, Value: p.parseExpr()}
	}
	if t.Kind == LParen {
		// (A, B) = expr
		j := p.i + 1
		for p.toks[j].Kind.IsName() && (p.toks[j+1].Kind == Comma || p.toks[j+1].Kind == RParen) {
			j++
			p.work++
			if p.toks[j].Kind == RParen {
				if p.toks[j+1].Kind == Assign {
					tu := &TupleExpr{Pos: t.Pos}
					p.next()
					for !p.is(RParen) {
						tu.Elems = append(tu.Elems, p.parseName())
						p.got(Comma)
					}
					tu.Comma = p.trailingComma()
					tu.End = p.expect(RParen)
					p.expect(Assign)
					return &NamedExpr{Name: tu, Value: p.parseExpr()}
				}
				break
			}
			j++
		}
	}
	return p.parseExpr()
}

func (p *parser) parseOrderedList() []Expr {
	var xs []Expr
	for {
		xs = append(xs, p.parseOrdered())
		if !p.got(Comma) {
			return xs
		}
	}
}

func (p *parser) parseOrdered() Expr {
	x := p.parseExpr()
	o := &OrderedExpr{X: x}
	if p.word("asc") || p.word("desc") {
		o.Dir = p.text(p.next())
	}
	if p.gotWord("nulls") {
		if p.word("first") || p.word("last") {
			o.Nulls = p.text(p.next())
		} else {
			p.unexpected("\"first\" or \"last\"")
		}
	}
	if o.Dir == "" && o.Nulls == "" {
		return x
	}
	o.End = p.end()
	return o
}

// parseExpandItems reads mv-expand/mv-apply items: [Name =] expr [to typeof(T)].
func (p *parser) parseExpandItems() []Expr {
	var xs []Expr
	for {
		x := p.parseNamedOrExpr()
		if p.word("to") && p.tword(p.peek(1), "typeof") {
			pos := p.next().Pos
			x = &BinaryExpr{X: x, OpPos: pos, Op: "to", Y: p.parsePrimary()}
		}
		xs = append(xs, x)
		if !p.got(Comma) {
			return xs
		}
	}
}

// parseSeriesAggregates reads make-series aggregates: [Name =] agg [default = v].
func (p *parser) parseSeriesAggregates() []Expr {
	var xs []Expr
	for {
		x := p.parseNamedOrExpr()
		if p.word("default") && p.peek(1).Kind == Assign {
			p.i += 2
			x = &BinaryExpr{X: x, OpPos: p.toks[p.i-2].Pos, Op: "default", Y: p.parseExpr()}
		}
		xs = append(xs, x)
		if !p.got(Comma) {
			return xs
		}
	}
}

func (p *parser) parseTopNested(op *Operator) {
	first := true
	kw := func(k string) clauseStart { return p.keywordRead(op, k) }
	for {
		c := clauseStart{p: p, op: op, kwPos: -1, kwEnd: -1}
		if !first { // the top-nested after a comma
			c = kw("top-nested")
		}
		first = false
		var n []Expr
		if !p.word("of") {
			n = []Expr{p.parseExpr()}
		}
		c.of(n...)
		if p.expectWord("of") {
			kw("of").of(p.parseNamedOrExpr())
		}
		if p.gotWord("with") {
			c := kw("with")
			c.k = "with others"
			if p.expectWord("others") {
				c.kwEnd = p.end()
			}
			p.expect(Assign)
			c.of(p.parseExpr())
		}
		if p.expectWord("by") {
			kw("by").of(p.parseOrderedNamed())
		}
		if !(p.is(Comma) && p.tword(p.peek(1), "top-nested")) {
			return
		}
		p.i += 2
	}
}

func (p *parser) parseOrderedNamed() Expr {
	x := p.parseNamedOrExpr()
	if p.word("asc") || p.word("desc") {
		return &OrderedExpr{X: x, Dir: p.text(p.next()), End: p.end()}
	}
	return x
}

// parsePattern reads a parse operator's pattern: strings, *, names with
// optional types, written one after another.
func (p *parser) parsePattern() []Expr {
	var xs []Expr
	for !p.atOperatorEnd() {
		t := p.tok()
		switch {
		case t.Kind == Mul:
			p.next()
			xs = append(xs, &StarExpr{Pos: t.Pos})
		case t.Kind == String:
			xs = append(xs, p.parseStrings())
		case t.Kind.IsName():
			tn := p.parseTypedName(false)
			if tn.Type == nil {
				xs = append(xs, tn.Name)
			} else {
				xs = append(xs, tn)
			}
		default:
			p.unexpected("a string, \"*\" or a column name")
			p.skipTo(Pipe, Semicolon)
			return xs
		}
	}
	return xs
}

func (p *parser) parseParenSubquery() Expr { return p.parenthesised(p.parseSubquery) }

// parenthesised reads ( inner ) as a ParenExpr.
func (p *parser) parenthesised(inner func() Expr) Expr {
	start := p.tok().Pos
	if !p.is(LParen) {
		p.unexpected("\"(\"")
		return &BadExpr{Pos: p.end(), End: p.end()}
	}
	p.next()
	x := inner()
	end := p.expect(RParen)
	return &ParenExpr{Pos: start, End: end, X: x}
}

// parseSubqueryOrPipeline reads a subquery that starts with an operator or
// a whole pipeline (partition's body may be either).
func (p *parser) parseSubqueryOrPipeline() Expr {
	if t := p.tok(); t.Kind.IsName() && isOperatorName(Canonical(p.text(t))) && p.peek(1).Kind != Pipe && p.peek(1).Kind != LParen {
		return p.parseSubquery()
	}
	return p.parsePipeline()
}

func (p *parser) parseParenSubqueryOrPipeline() Expr {
	return p.parenthesised(p.parseSubqueryOrPipeline)
}

// parseParenNamedList reads (name = value, ...) as a tuple.
func (p *parser) parseParenNamedList() *TupleExpr {
	tu := &TupleExpr{Pos: p.tok().Pos}
	if p.expect(LParen) != tu.Pos+1 { // no "(": an empty tuple after the last token read
		tu.Pos = p.end()
	}
	for !p.is(RParen) && p.tok().Kind != EOF {
		tu.Elems = append(tu.Elems, p.parseNamedOrExpr())
		if !p.got(Comma) {
			break
		}
	}
	tu.Comma = p.trailingComma()
	tu.End = p.expect(RParen)
	return tu
}

var operatorNames = map[string]bool{}

func init() {
	for _, k := range []string{"where", "project", "extend", "project-rename", "serialize", "print", "project-away",
		"project-keep", "project-reorder", "distinct", "summarize", "sort", "top", "take", "sample", "count", "getschema",
		"consume", "as", "invoke", "join", "lookup", "union", "mv-expand", "mv-apply", "parse", "parse-where", "parse-kv",
		"evaluate", "make-series", "top-nested", "top-hitters", "sample-distinct", "render", "search", "find", "fork",
		"facet", "partition", "reduce", "range", "scan", "make-graph", "graph-match"} {
		operatorNames[k] = true
	}
}

func isOperatorName(k string) bool { return operatorNames[k] }

// ---- scalar expressions

func (p *parser) parseExpr() Expr {
	p.enter()
	defer p.leave()
	return p.parseOr()
}

func (p *parser) parseOr() Expr {
	x := p.parseAnd()
	for p.word("or") {
		pos := p.next().Pos
		x = p.binary(x, pos, "or", p.parseAnd())
	}
	return x
}

func (p *parser) parseAnd() Expr {
	x := p.parseCmp()
	for p.word("and") {
		pos := p.next().Pos
		x = p.binary(x, pos, "and", p.parseCmp())
	}
	return x
}

// listOps take a parenthesised list on their right.
var listOps = map[string]bool{"in": true, "in~": true, "!in": true, "!in~": true, "has_any": true, "has_all": true, "notin": true, "!has_any": true, "!has_all": true}

// cmpOp reads a comparison-rank operator, or returns "".
func (p *parser) cmpOp() (string, int) {
	t := p.tok()
	k := t.Kind
	if k.IsName() {
		k = Name
	}
	switch k {
	case Eql, Neq, NeqAlt, Lss, Leq, Gtr, Geq, EqlTilde, NeqTilde, Assign:
		p.next()
		return p.text(t), t.Pos
	case Colon:
		if p.inSearch > 0 {
			p.next()
			return p.text(t), t.Pos
		}
	case Bang:
		{
			n := p.peek(1)
			if n.Kind.IsComparisonWord() && !n.Space {
				p.i += 2
				op := "!" + p.text(n)
				if p.text(n) == "in" && p.is(Tilde) && !p.tok().Space {
					p.next()
					op += "~"
				}
				return op, t.Pos
			}
		}
	case Name:
		if p.text(t) == "matches" && p.tword(p.peek(1), "regex") {
			p.i += 2
			return "matches regex", t.Pos
		}
		if t.Kind.IsComparisonWord() {
			p.next()
			op := p.text(t)
			if op == "in" && p.is(Tilde) && !p.tok().Space {
				p.next()
				op += "~"
			}
			return op, t.Pos
		}
	}
	return "", 0
}

func (p *parser) parseCmp() Expr {
	x := p.parseAdd()
	for {
		op, pos := p.cmpOp()
		switch {
		case op == "":
			return x
		case op == "between" || op == "!between" || op == "notbetween":
			b := &BetweenExpr{X: x, OpPos: pos, Not: op != "between"}
			p.expect(LParen)
			b.Lo = p.parseAdd()
			p.expect(DotDot)
			b.Hi = p.parseAdd()
			b.End = p.expect(RParen)
			x = b
		case listOps[op]:
			x = p.binary(x, pos, op, p.parseList())
		default:
			x = p.binary(x, pos, op, p.parseAdd())
		}
	}
}

// parseList reads the right side of in and has_any: (a, b, ...) (elements
// may be subqueries), or an expression.
func (p *parser) parseList() Expr {
	t := p.tok()
	if t.Kind != LParen {
		return p.parseAdd()
	}
	p.next()
	tu := &TupleExpr{Pos: t.Pos}
	mark := len(p.stack)
	for !p.is(RParen) && p.tok().Kind != EOF {
		x := p.parsePipeline()
		p.stack = append(p.stack, x)
		if !p.got(Comma) {
			break
		}
	}
	tu.Elems = p.list(mark)
	tu.Comma = p.trailingComma()
	tu.End = p.expect(RParen)
	return tu
}

func (p *parser) parseAdd() Expr {
	x := p.parseMul()
	for p.is(Add) || p.is(Sub) {
		t := p.next()
		x = p.binary(x, t.Pos, p.text(t), p.parseMul())
	}
	return x
}

func (p *parser) parseMul() Expr {
	x := p.parseUnary()
	for p.is(Mul) || p.is(Quo) || p.is(Rem) {
		t := p.next()
		x = p.binary(x, t.Pos, p.text(t), p.parseUnary())
	}
	return x
}

func (p *parser) parseUnary() Expr {
	if p.is(Sub) || p.is(Add) {
		p.enter()
		defer p.leave()
		t := p.next()
		return &UnaryExpr{OpPos: t.Pos, Op: p.text(t), X: p.parseUnary()}
	}
	return p.parsePostfix()
}

func (p *parser) parsePostfix() Expr {
	x := p.parsePrimary()
	for {
		t := p.tok()
		switch {
		case t.Kind == Dot:
			n := p.peek(1)
			if n.Kind == LBrack { // a.[0]
				p.i += 2
				idx := p.parseExpr()
				end := p.expect(RBrack)
				x = &IndexExpr{X: x, Index: idx, End: end, Dot: true}
				continue
			}
			if !n.Kind.IsName() {
				if n.Kind == Int { // a.0 is not KQL, but say so clearly
					p.next()
					p.unexpected("a name")
					p.next()
					continue
				}
				p.next()
				p.unexpected("a name")
				return x
			}
			p.i += 2
			if p.text(n)[0] == '[' { // a.['b c']
				x = p.selector(x, p.identOf(n))
				continue
			}
			x = p.selector(x, p.identOf(n))
		case t.Kind == LBrack:
			p.next()
			idx := p.parseExpr()
			end := p.expect(RBrack)
			x = &IndexExpr{X: x, Index: idx, End: end}
		case t.Kind.IsName() && len(p.text(t)) > 2 && p.text(t)[0] == '[':
			// X['key'] lexed as a bracketed name; Kusto allows white space
			// before it (ConnectedNetworks ["Name"])
			p.next()
			in := strings.TrimSpace(p.text(t)[1 : len(p.text(t))-1])
			lit := &Literal{Pos: t.Pos + 1 + strings.Index(p.text(t)[1:], in), Kind: LitString, Raw: in, Value: Unquote(in)}
			lit.End = lit.Pos + len(in)
			x = &IndexExpr{X: x, Index: lit, End: t.End}
		case t.Kind == LParen:
			switch x.(type) {
			case *Ident, *SelectorExpr:
			default:
				return x
			}
			p.next()
			c := p.newCall()
			c.Fun = x
			mark := len(p.stack)
			for !p.is(RParen) && p.tok().Kind != EOF {
				a := p.parseArg()
				p.stack = append(p.stack, a)
				if !p.got(Comma) {
					break
				}
			}
			c.Args = p.list(mark)
			c.End = p.expect(RParen)
			x = c
		default:
			return x
		}
	}
}

// parseArg reads a function argument: *, name = value, or a pipeline.
func (p *parser) parseArg() Expr {
	t := p.tok()
	if t.Kind == Mul && (p.peek(1).Kind == Comma || p.peek(1).Kind == RParen) {
		p.next()
		return &StarExpr{Pos: t.Pos}
	}
	if t.Kind.IsName() && p.peek(1).Kind == Assign {
		name := p.parseName()
		p.next()
		return &NamedExpr{Name: name, Value: p.parseExpr()}
	}
	return p.parsePipeline()
}

// parseStrings reads one or more adjacent string literals as one.
func (p *parser) parseStrings() *Literal {
	t := p.next()
	lit := p.newLiteral()
	*lit = Literal{Pos: t.Pos, End: t.End, Kind: LitString, Value: Unquote(p.text(t))}
	for p.tok().Kind == String {
		n := p.next()
		lit.Value += Unquote(p.text(n))
		lit.End = n.End
	}
	lit.Raw = p.src[lit.Pos:lit.End]
	return lit
}

func (p *parser) parsePrimary() Expr {
	t := p.tok()
	k := t.Kind
	if k.IsName() {
		k = Name
	}
	switch k {
	case Int, Real, Timespan:
		p.next()
		k := LitInt
		if t.Kind == Real {
			k = LitReal
		} else if t.Kind == Timespan {
			k = LitTimespan
		}
		lit := p.newLiteral()
		*lit = Literal{Pos: t.Pos, End: t.End, Kind: k, Raw: p.text(t), Value: p.text(t)}
		return lit
	case String:
		return p.parseStrings()
	case TypedLit:
		p.next()
		open := strings.IndexByte(p.text(t), '(')
		return &Literal{Pos: t.Pos, End: t.End, Kind: LitTyped, Type: strings.ToLower(strings.TrimSpace(p.text(t)[:open])),
			Raw: p.text(t), Value: strings.TrimSpace(p.text(t)[open+1 : len(p.text(t))-1])}
	case Name:
		switch p.text(t) {
		case "true", "false", "True", "False", "TRUE", "FALSE":
			p.next()
			return &Literal{Pos: t.Pos, End: t.End, Kind: LitBool, Raw: p.text(t), Value: strings.ToLower(p.text(t))}
		case "dynamic":
			if p.peek(1).Kind == LParen {
				p.i += 2
				d := &DynamicExpr{Pos: t.Pos}
				d.Value = p.parseDynValue()
				d.End = p.expect(RParen)
				return d
			}
		case "typeof":
			if p.peek(1).Kind == LParen {
				p.i += 2
				te := &TypeofExpr{Pos: t.Pos}
				if p.is(LParen) {
					te.Type = p.parseType()
				} else {
					te.Type = p.parseTypeNames()
				}
				te.End = p.expect(RParen)
				return te
			}
		case "datatable", "externaldata", "external_data":
			if n := p.peek(1); n.Kind == LParen || n.Kind.IsName() && p.peek(2).Kind == Assign {
				return p.parseDataTable()
			}
		}
		p.next()
		return p.identOf(t)
	case LParen:
		{
			p.enter()
			defer p.leave()
			p.next()
			first := p.parseParenElem()
			if p.is(Comma) {
				tu := &TupleExpr{Pos: t.Pos, Elems: []Expr{first}}
				for p.got(Comma) {
					if p.is(RParen) {
						break
					}
					tu.Elems = append(tu.Elems, p.parseParenElem())
				}
				tu.Comma = p.trailingComma()
				tu.End = p.expect(RParen)
				return tu
			}
			end := p.expect(RParen)
			return &ParenExpr{Pos: t.Pos, End: end, X: first}
		}
	case Mul:
		p.next()
		return &StarExpr{Pos: t.Pos}
	}
	p.unexpected("an expression")
	if !p.atOperatorEnd() && t.Kind != Comma && t.Kind != Semicolon {
		p.next()
		return &BadExpr{Pos: t.Pos, End: t.End}
	}
	// nothing to skip: an empty expression after the last token read
	return &BadExpr{Pos: p.end(), End: p.end()}
}

func (p *parser) parseParenElem() Expr {
	if t := p.tok(); t.Kind.IsName() && p.peek(1).Kind == Assign {
		return p.parseNamedOrExpr()
	}
	return p.parsePipeline()
}

// parseTypeNames reads typeof's argument: a type name, or several (typeof(a:string, b:long)).
func (p *parser) parseTypeNames() *TypeExpr {
	t := p.tok()
	if p.peek(1).Kind == Colon {
		te := &TypeExpr{Pos: t.Pos, Columns: p.parseTypedNames(false)}
		te.End = p.end()
		return te
	}
	return p.parseType()
}

// parseDynValue reads the JSON-like value of a dynamic literal.
func (p *parser) parseDynValue() Expr {
	p.enter()
	defer p.leave()
	t := p.tok()
	switch {
	case t.Kind == LBrack:
		p.next()
		l := &ListExpr{Pos: t.Pos}
		for !p.is(RBrack) && p.tok().Kind != EOF {
			l.Elems = append(l.Elems, p.parseDynValue())
			if !p.got(Comma) {
				break
			}
		}
		l.End = p.expect(RBrack)
		return l
	case t.Kind.IsName() && len(p.text(t)) > 2 && p.text(t)[0] == '[':
		// ['a'] lexed as a bracketed name: a list of one string
		p.next()
		in := strings.TrimSpace(p.text(t)[1 : len(p.text(t))-1])
		off := t.Pos + 1 + strings.Index(p.text(t)[1:], in)
		return &ListExpr{Pos: t.Pos, End: t.End, Elems: []Expr{&Literal{Pos: off, End: off + len(in), Kind: LitString, Raw: in, Value: Unquote(in)}}}
	case t.Kind == LBrace:
		p.next()
		b := &BagExpr{Pos: t.Pos}
		for !p.is(RBrace) && p.tok().Kind != EOF {
			b.Keys = append(b.Keys, p.parseDynValue())
			p.expect(Colon)
			b.Values = append(b.Values, p.parseDynValue())
			if !p.got(Comma) {
				break
			}
		}
		b.End = p.expect(RBrace)
		return b
	case p.tword(t, "null"):
		p.next()
		return &Literal{Pos: t.Pos, End: t.End, Kind: LitNull, Raw: p.text(t), Value: "null"}
	case t.Kind.IsName() && p.peek(1).Kind == Colon && p.i > 0 && (p.toks[p.i-1].Kind == LBrace || p.toks[p.i-1].Kind == Comma):
		// a bag key written without quotes
		p.next()
		return p.identOf(t)
	}
	return p.parseUnary()
}

func (p *parser) parseDataTable() Expr {
	t := p.next()
	d := &DataTableExpr{Pos: t.Pos, Keyword: p.text(t)}
	d.Params = p.parseParams(optionSet("typed", "kind"))
	p.expect(LParen)
	if !p.is(RParen) {
		d.Schema = p.parseTypedNames(false)
	}
	p.expect(RParen)
	if t := p.tok(); t.Kind.IsName() && len(p.text(t)) > 2 && p.text(t)[0] == '[' {
		// [@"https://..."] lexed as a bracketed name: one value
		p.next()
		in := strings.TrimSpace(p.text(t)[1 : len(p.text(t))-1])
		off := t.Pos + 1 + strings.Index(p.text(t)[1:], in)
		d.Values = []Expr{&Literal{Pos: off, End: off + len(in), Kind: LitString, Raw: in, Value: Unquote(in)}}
		d.End = t.End
		return p.externalWith(d)
	}
	p.expect(LBrack)
	for !p.is(RBrack) && p.tok().Kind != EOF {
		d.Values = append(d.Values, p.parseExpr())
		if !p.got(Comma) {
			break
		}
	}
	d.End = p.expect(RBrack)
	return p.externalWith(d)
}

func (p *parser) externalWith(d *DataTableExpr) Expr {
	if d.Keyword != "datatable" && p.word("with") && p.peek(1).Kind == LParen {
		p.next()
		d.With = p.parseParenNamedList()
		d.End = p.end()
	}
	return d
}

// parseScan reads scan's body: [order by ...] [partition by ...]
// [declare (columns)] with (step name [optional] [output=x]: predicate [=> assignments]; ...).
func (p *parser) parseScan(op *Operator) {
	kw := func(k string) clauseStart { return p.keywordRead(op, k) }
	if p.word("order") && p.tword(p.peek(1), "by") {
		p.i += 2
		kw("order by").of(p.parseOrderedList()...)
	}
	if p.word("partition") && p.tword(p.peek(1), "by") {
		p.i += 2
		kw("partition by").of(p.parseExprList()...)
	}
	if p.gotWord("declare") {
		c := kw("declare")
		p.expect(LParen)
		var xs []Expr
		for _, tn := range p.parseTypedNames(true) {
			xs = append(xs, tn)
		}
		p.expect(RParen)
		c.of(xs...)
	}
	if !p.expectWord("with") {
		return
	}
	with := kw("with steps")
	with.kwPos = with.kwEnd - len("with")
	p.expect(LParen)
	var steps []Expr
	for p.word("step") {
		st := &ScanStep{Pos: p.next().Pos}
		st.Name = p.parseName()
		for p.tok().Kind.IsName() && p.peek(-1).Kind != Colon {
			if p.gotWord("optional") {
				st.Optional = true
				continue
			}
			if p.word("output") && p.peek(1).Kind == Assign {
				p.i += 2
				st.Output = p.parseName().Name
				continue
			}
			break
		}
		p.expect(Colon)
		st.Cond = p.parseExpr()
		if p.got(Arrow) {
			st.Assigns = p.parseColumnList(false)
		}
		st.End = p.expect(Semicolon)
		steps = append(steps, st)
	}
	p.expect(RParen)
	with.seq(steps...)
}
