package esql

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// MaxDepth bounds the nesting of expressions (parentheses, calls, NOT and
// signs): deeper input is an error, never a stack overflow.
const MaxDepth = 1000

// parser reads the tokens of one query. Errors are recorded go/parser style:
// after one, the rest of the command is skipped to the next pipe (the
// partial command is kept), so one bad command does not spoil the rest.
type parser struct {
	src   string
	toks  []rawToken // without comments and illegal characters
	p     int
	tok   rawToken
	errs  diag.ErrorList
	quiet bool // an error was reported in this command: the next ones are noise
	depth int
	fork  int // FORK branches open
}

// Parse reads an ES|QL query. It always returns a tree, partial where the
// source is wrong (Bad* nodes, UnknownCommand), and every error met, sorted
// and located.
func Parse(src []byte) (*Query, diag.ErrorList) {
	s := string(src)
	all, errs := lex(s)
	toks := all[:0] // filtered in place: the write index never passes the read one
	for _, t := range all {
		if t.Kind != Comment && t.Kind != Illegal {
			toks = append(toks, t)
		}
	}
	p := &parser{src: s, toks: toks, errs: errs}
	p.tok = p.toks[0]
	q := p.query()
	p.errs.Sort()
	p.errs.Locate(src)
	return q, p.errs
}

// text returns what t is, as written.
func (p *parser) text(t rawToken) string { return p.src[t.Span.Start:t.Span.End] }

func (p *parser) next() {
	if p.p < len(p.toks)-1 {
		p.p++
	}
	p.tok = p.toks[p.p]
}

func (p *parser) peek(n int) rawToken {
	if p.p+n < len(p.toks) {
		return p.toks[p.p+n]
	}
	return p.toks[len(p.toks)-1]
}

// prevEnd is the end of the last token read.
func (p *parser) prevEnd() int {
	if p.p == 0 {
		return p.tok.Span.Start
	}
	return p.toks[p.p-1].Span.End
}

func (p *parser) errorf(sp diag.Span, format string, args ...any) {
	if p.quiet {
		return
	}
	p.errs.Addf(sp, diag.Error, format, args...)
	p.quiet = true
}

// describe names a token for an error message.
func (p *parser) describe(t rawToken) string {
	switch {
	case t.Kind == EOF:
		return "end of query"
	case t.Kind.IsOperator():
		return "'" + p.text(t) + "'"
	case t.Kind.IsWord():
		return strings.ToUpper(p.text(t))
	}
	txt := p.text(t)
	if len(txt) > 40 {
		txt = txt[:40] + "..."
	}
	return t.Kind.String() + " " + txt
}

func (p *parser) unexpected(what string) {
	p.errorf(p.tok.Span, "unexpected %s, expected %s", p.describe(p.tok), what)
}

// got reads a token of kind k if it is the current one.
func (p *parser) got(k Kind) bool {
	if p.tok.Kind == k {
		p.next()
		return true
	}
	return false
}

// expect reads a token of kind k, or reports it missing; it returns its span.
func (p *parser) expect(k Kind, what string) diag.Span {
	sp := p.tok.Span
	if p.tok.Kind != k {
		p.unexpected(what)
		return diag.Span{Start: sp.Start, End: sp.Start}
	}
	p.next()
	return sp
}

// span returns [start, end), empty at start when nothing was read (end before start).
func span(start, end int) diag.Span { return diag.Span{Start: start, End: max(start, end)} }

// atCommandEnd tells whether the current token ends a command: a pipe, the
// end, or the ) of a FORK branch.
func (p *parser) atCommandEnd() bool {
	return p.tok.Kind == Pipe || p.tok.Kind == EOF || p.fork > 0 && p.tok.Kind == RParen
}

// sync skips to the end of the command: the next pipe, the end, or the )
// closing the FORK branch the parser is in.
func (p *parser) sync() {
	depth := 0
	for p.tok.Kind != EOF && p.tok.Kind != Pipe {
		switch p.tok.Kind {
		case LParen:
			depth++
		case RParen:
			if depth == 0 && p.fork > 0 {
				return
			}
			if depth > 0 {
				depth--
			}
		}
		p.next()
	}
}

func (p *parser) query() *Query {
	q := &Query{Pos: span(0, len(p.src))}
	if p.tok.Kind == EOF {
		p.errorf(p.tok.Span, "empty query: a query starts with FROM, ROW, SHOW or TS")
		return q
	}
	q.Commands, q.Pipes = p.pipeline(true)
	if p.tok.Kind != EOF { // a ) closing nothing
		p.quiet = false
		p.errorf(p.tok.Span, "unexpected %s after the query", p.describe(p.tok))
	}
	return q
}

// pipeline reads command | command ... up to the end or, inside FORK, to
// the branch's ). source tells whether the first command is a source
// command (FROM, ROW...) rather than a processing one.
func (p *parser) pipeline(source bool) ([]Command, []diag.Span) {
	var cmds []Command
	var pipes []diag.Span
	for {
		p.quiet = false
		cmds = append(cmds, p.command(source && len(cmds) == 0))
		if !p.atCommandEnd() {
			p.unexpected("'|'")
			p.sync()
		}
		if p.tok.Kind != Pipe {
			return cmds, pipes
		}
		pipes = append(pipes, p.tok.Span)
		p.next()
	}
}

// isSource tells whether k names a source command.
func isSource(k Kind) bool { return k == From || k == Ts || k == Row || k == Show }

func (p *parser) command(first bool) Command {
	t := p.tok
	switch {
	case first && !isSource(t.Kind) && t.Kind.IsCommand():
		p.errorf(t.Span, "a query starts with FROM, ROW, SHOW or TS, not %s", strings.ToUpper(p.text(t)))
	case !first && isSource(t.Kind):
		p.errorf(t.Span, "%s is a source command: it can only start a query", strings.ToUpper(p.text(t)))
	}
	start := t.Span.Start
	switch t.Kind {
	case From, Ts:
		return p.from()
	case Row:
		p.next()
		return &RowCommand{Fields: p.fields(), Pos: span(start, p.prevEnd())}
	case Show:
		p.next()
		c := &ShowCommand{Item: p.text(p.tok), ItemPos: p.tok.Span}
		if p.tok.Kind != Info {
			p.unexpected("INFO")
			c.Item, c.ItemPos = "", span(p.tok.Span.Start, p.tok.Span.Start)
		} else {
			p.next()
		}
		c.Pos = span(start, p.prevEnd())
		return c
	case Where:
		p.next()
		return &WhereCommand{Cond: p.expr(), Pos: span(start, p.prevEnd())}
	case Eval:
		p.next()
		return &EvalCommand{Fields: p.fields(), Pos: span(start, p.prevEnd())}
	case Stats, InlineStats, Inline:
		return p.stats()
	case Keep, Drop:
		p.next()
		pats := p.patterns()
		if t.Kind == Keep {
			return &KeepCommand{Patterns: pats, Pos: span(start, p.prevEnd())}
		}
		return &DropCommand{Patterns: pats, Pos: span(start, p.prevEnd())}
	case Rename:
		return p.rename()
	case SortKw:
		return p.sort()
	case Limit:
		p.next()
		c := &LimitCommand{Count: p.constant("an integer")}
		if l, ok := c.Count.(*Literal); ok && l.Kind != LitInt {
			p.errorf(l.Pos, "LIMIT takes an integer, not %s", l.Raw)
		}
		c.Pos = span(start, p.prevEnd())
		return c
	case Dissect:
		return p.dissect()
	case Grok:
		p.next()
		c := &GrokCommand{Input: p.primary()}
		c.Patterns = append(c.Patterns, p.stringLit("a grok pattern string"))
		for p.got(Comma) {
			c.Patterns = append(c.Patterns, p.stringLit("a grok pattern string"))
		}
		c.Pos = span(start, p.prevEnd())
		return c
	case MvExpand:
		p.next()
		return &MvExpandCommand{Field: p.name("a field name"), Pos: span(start, p.prevEnd())}
	case Enrich:
		return p.enrich()
	case Lookup, Left, Right:
		return p.join()
	case ChangePoint:
		return p.changePoint()
	case Completion:
		p.next()
		c := &CompletionCommand{}
		if p.nameAssign() {
			c.Target = p.name("a column name")
			p.next() // =
		}
		c.Prompt = p.primary()
		c.With = p.withMap()
		c.Pos = span(start, p.prevEnd())
		return c
	case Rerank:
		p.next()
		c := &RerankCommand{}
		if p.nameAssign() {
			c.Target = p.name("a column name")
			p.next()
		}
		c.Query = p.constant("the query text")
		p.expect(On, "ON")
		c.On = p.fields()
		c.With = p.withMap()
		c.Pos = span(start, p.prevEnd())
		return c
	case Sample:
		p.next()
		return &SampleCommand{Probability: p.constant("a probability"), Pos: span(start, p.prevEnd())}
	case Fork:
		return p.forkCmd()
	case Ident:
		p.errorf(t.Span, "unknown command %s", p.text(t))
		p.sync()
		end := max(p.prevEnd(), t.Span.End)
		return &UnknownCommand{Name: p.text(t), Raw: p.src[start:end], Pos: span(start, end)}
	}
	if first {
		p.unexpected("a source command (FROM, ROW, SHOW or TS)")
	} else {
		p.unexpected("a command")
	}
	p.sync()
	return &BadCommand{Pos: span(start, max(start, p.prevEnd()))}
}

func (p *parser) from() Command {
	c := &FromCommand{Keyword: p.tok.Kind, KwPos: p.tok.Span}
	start := p.tok.Span.Start
	p.next()
	for {
		c.Sources = append(c.Sources, p.indexPattern())
		if !p.got(Comma) {
			break
		}
	}
	if p.tok.Kind == Metadata {
		c.MetaPos = p.tok.Span
		p.next()
		c.Metadata = []*NamePart{}
		for {
			if p.tok.Kind != Source {
				p.unexpected("a metadata field (_id, _index...)")
				break
			}
			c.Metadata = append(c.Metadata, &NamePart{Raw: p.text(p.tok), Value: p.text(p.tok), Kind: Source, Pos: p.tok.Span})
			p.next()
			if !p.got(Comma) {
				break
			}
		}
	}
	c.Pos = span(start, p.prevEnd())
	return c
}

// indexPattern reads [cluster:]index[::selector] or "index".
func (p *parser) indexPattern() *IndexPattern {
	t := p.tok
	ip := &IndexPattern{Pos: t.Span}
	switch t.Kind {
	case String:
		ip.Raw, ip.Index, ip.Quoted = p.text(t), unquoteString(p.text(t)), true
		p.next()
		return ip
	case Source:
	default:
		p.unexpected("an index pattern")
		ip.Pos = span(t.Span.Start, t.Span.Start)
		return ip
	}
	p.next()
	ip.Raw, ip.Index = p.text(t), p.text(t)
	if p.tok.Kind == Colon && p.peek(1).Kind == Source && p.tok.Span.Start == t.Span.End {
		p.next()
		ip.Cluster, ip.Raw, ip.Index = p.text(t), p.text(p.tok), p.text(p.tok)
		p.next()
	}
	if p.tok.Kind == Cast {
		p.next()
		if p.tok.Kind != Source {
			p.unexpected("a selector (data, failures)")
		} else {
			ip.Selector = p.text(p.tok)
			p.next()
		}
	}
	ip.Pos = span(t.Span.Start, p.prevEnd())
	return ip
}

func (p *parser) stats() Command {
	start := p.tok.Span.Start
	c := &StatsCommand{Keyword: strings.ToUpper(p.text(p.tok))}
	switch p.tok.Kind {
	case Inline:
		c.Inline = true
		p.next()
		if p.tok.Kind != Stats {
			p.unexpected("STATS after INLINE")
		} else {
			c.Keyword = "INLINE STATS"
			p.next()
		}
	case InlineStats:
		c.Inline = true
		p.next()
	default:
		p.next()
	}
	if p.tok.Kind != By && !p.atCommandEnd() {
		for {
			a := &AggField{Field: p.field()}
			if p.tok.Kind == Where {
				a.WherePos = p.tok.Span
				p.next()
				a.Filter = p.expr()
			}
			a.Pos = span(a.Field.Pos.Start, p.prevEnd())
			c.Aggs = append(c.Aggs, a)
			if !p.got(Comma) {
				break
			}
		}
	} else if c.Inline {
		p.unexpected("an aggregation")
	}
	if p.tok.Kind == By {
		c.ByPos = p.tok.Span
		p.next()
		c.By = p.fields()
	}
	c.Pos = span(start, p.prevEnd())
	return c
}

func (p *parser) rename() Command {
	start := p.tok.Span.Start
	p.next()
	c := &RenameCommand{}
	for {
		cl := &RenameClause{}
		a := p.name("a column name")
		cl.OpPos = p.tok.Span
		switch p.tok.Kind {
		case As:
			p.next()
			cl.Old, cl.New = a, p.name("the new column name")
		case Assign:
			p.next()
			cl.New, cl.Old, cl.Assign = a, p.name("the column renamed"), true
		default:
			p.unexpected("AS or '='")
			cl.Old, cl.New = a, &Name{Pos: span(p.tok.Span.Start, p.tok.Span.Start)}
		}
		cl.Pos = span(a.Pos.Start, p.prevEnd())
		c.Clauses = append(c.Clauses, cl)
		if !p.got(Comma) {
			break
		}
	}
	c.Pos = span(start, p.prevEnd())
	return c
}

func (p *parser) sort() Command {
	start := p.tok.Span.Start
	p.next()
	c := &SortCommand{}
	for {
		o := &Order{X: p.expr()}
		switch p.tok.Kind {
		case Asc:
			o.Dir, o.DirPos = DirAsc, p.tok.Span
			p.next()
		case Desc:
			o.Dir, o.DirPos = DirDesc, p.tok.Span
			p.next()
		}
		if p.tok.Kind == Nulls {
			ns := p.tok.Span.Start
			p.next()
			switch p.tok.Kind {
			case First:
				o.Nulls = NullsFirst
				p.next()
			case Last:
				o.Nulls = NullsLast
				p.next()
			default:
				p.unexpected("FIRST or LAST after NULLS")
			}
			o.NullsPos = span(ns, p.prevEnd())
		}
		o.Pos = span(o.X.Span().Start, p.prevEnd())
		c.Orders = append(c.Orders, o)
		if !p.got(Comma) {
			break
		}
	}
	c.Pos = span(start, p.prevEnd())
	return c
}

func (p *parser) dissect() Command {
	start := p.tok.Span.Start
	p.next()
	c := &DissectCommand{Input: p.primary()}
	c.Pattern = p.stringLit("a dissect pattern string")
	if p.tok.Kind == Ident {
		for {
			o := &Option{Pos: p.tok.Span}
			if p.tok.Kind != Ident {
				p.unexpected("an option name (APPEND_SEPARATOR)")
				break
			}
			o.Name = &NamePart{Raw: p.text(p.tok), Value: p.text(p.tok), Kind: Ident, Pos: p.tok.Span}
			p.next()
			p.expect(Assign, "'='")
			o.Value = p.constant("a constant")
			o.Pos = span(o.Pos.Start, p.prevEnd())
			c.Options = append(c.Options, o)
			if !p.got(Comma) {
				break
			}
		}
	}
	c.Pos = span(start, p.prevEnd())
	return c
}

func (p *parser) enrich() Command {
	start := p.tok.Span.Start
	p.next()
	c := &EnrichCommand{PolicyPos: p.tok.Span}
	switch p.tok.Kind {
	case Source:
		c.Policy, c.PolicyRaw = p.text(p.tok), p.text(p.tok)
		p.next()
	case String:
		c.Policy, c.PolicyRaw = unquoteString(p.text(p.tok)), p.text(p.tok)
		p.next()
	default:
		p.unexpected("an enrich policy name")
	}
	if p.got(On) {
		c.On = p.name("the match field")
	}
	if p.got(With) {
		for {
			w := &EnrichWith{}
			a := p.name("an enrich field")
			if p.got(Assign) {
				w.NewName, w.Field = a, p.name("an enrich field")
			} else {
				w.Field = a
			}
			w.Pos = span(a.Pos.Start, p.prevEnd())
			c.With = append(c.With, w)
			if !p.got(Comma) {
				break
			}
		}
	}
	c.Pos = span(start, p.prevEnd())
	return c
}

func (p *parser) join() Command {
	start := p.tok.Span.Start
	c := &JoinCommand{Type: p.tok.Kind}
	p.next()
	p.expect(Join, "JOIN")
	c.Target = p.indexPattern()
	if p.got(As) {
		if p.tok.Kind == Source {
			c.Alias = p.text(p.tok)
			p.next()
		} else {
			p.unexpected("an alias")
		}
	} else if p.tok.Kind == Source {
		c.Alias = p.text(p.tok)
		p.next()
	}
	p.expect(On, "ON")
	for {
		c.On = append(c.On, p.expr())
		if !p.got(Comma) {
			break
		}
	}
	c.Pos = span(start, p.prevEnd())
	return c
}

func (p *parser) changePoint() Command {
	start := p.tok.Span.Start
	p.next()
	c := &ChangePointCommand{Value: p.name("a field name")}
	if p.got(On) {
		c.Key = p.name("the key field")
	}
	if p.got(As) {
		c.TypeName = p.name("the type column name")
		p.expect(Comma, "','")
		c.PvalueName = p.name("the p-value column name")
	}
	c.Pos = span(start, p.prevEnd())
	return c
}

func (p *parser) forkCmd() Command {
	start := p.tok.Span.Start
	p.next()
	c := &ForkCommand{}
	if p.tok.Kind != LParen {
		p.unexpected("'(' starting a FORK branch")
	}
	defer func() { p.depth-- }()
	if !p.enter() {
		p.sync()
		return &BadCommand{Pos: span(start, p.prevEnd())}
	}
	for p.tok.Kind == LParen {
		b := &ForkBranch{}
		bs := p.tok.Span.Start
		p.next()
		p.fork++
		quiet := p.quiet
		b.Commands, b.Pipes = p.pipeline(false)
		p.fork--
		p.quiet = quiet
		p.expect(RParen, "')' closing the FORK branch")
		b.Pos = span(bs, p.prevEnd())
		c.Branches = append(c.Branches, b)
	}
	c.Pos = span(start, p.prevEnd())
	return c
}

// withMap reads an optional WITH { ... }.
func (p *parser) withMap() *MapExpr {
	if !p.got(With) {
		return nil
	}
	if p.tok.Kind != LBrace {
		p.unexpected("'{' after WITH")
		return nil
	}
	return p.mapExpr()
}

// fields reads field, field, ...
func (p *parser) fields() []*Field {
	var fs []*Field
	for {
		fs = append(fs, p.field())
		if !p.got(Comma) {
			return fs
		}
	}
}

// field reads [name =] expression.
func (p *parser) field() *Field {
	f := &Field{}
	start := p.tok.Span.Start
	if p.nameAssign() {
		f.Name = p.name("a column name")
		f.AssignPos = p.tok.Span
		p.next()
	}
	f.Value = p.expr()
	f.Pos = span(start, max(start, p.prevEnd()))
	return f
}

// isNamePart tells whether k can be a part of a qualified name.
func isNamePart(k Kind) bool {
	return k == Ident || k == QuotedIdent || k == Param || k == Pattern
}

// nameAssign tells whether the tokens ahead are a qualified name then '='.
func (p *parser) nameAssign() bool {
	if !isNamePart(p.tok.Kind) {
		return false
	}
	i := 1
	for p.peek(i).Kind == Dot && (isNamePart(p.peek(i+1).Kind) || p.peek(i+1).Kind == As) {
		i += 2
	}
	return p.peek(i).Kind == Assign
}

// name reads a qualified name (or, in KEEP/DROP/RENAME/ENRICH, a pattern):
// parts joined by dots. After a dot, the keyword AS is read as a name part
// (source.as.number, ECS's autonomous system fields): Elasticsearch's
// grammar has varied on it, and rules write both source.as.number and
// source.`as`.number. Other keywords must be backquoted (event.`or`).
func (p *parser) name(what string) *Name {
	n := &Name{}
	start := p.tok.Span.Start
	if !isNamePart(p.tok.Kind) {
		p.unexpected(what)
		n.Pos = span(start, start)
		return n
	}
	n.Parts = append(n.Parts, p.namePart())
	for p.tok.Kind == Dot {
		nt := p.peek(1)
		if !isNamePart(nt.Kind) && nt.Kind != As {
			p.next()
			p.unexpected("a name after '.'")
			break
		}
		p.next()
		n.Parts = append(n.Parts, p.namePart())
	}
	n.Pos = span(start, p.prevEnd())
	return n
}

func (p *parser) namePart() *NamePart {
	t := p.tok
	np := &NamePart{Raw: p.text(t), Value: p.text(t), Kind: t.Kind, Pos: t.Span}
	switch {
	case t.Kind == QuotedIdent:
		np.Value = unquoteName(p.text(t))
	case t.Kind == Pattern && strings.Contains(p.text(t), "`"):
		np.Value = unquotePattern(p.text(t))
	case t.Kind.IsWord():
		np.Kind = Ident
	}
	p.next()
	return np
}

// unquotePattern returns a pattern with its `quoted` runs unquoted.
func unquotePattern(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '`' {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		for j < len(s) {
			if s[j] == '`' {
				if j+1 < len(s) && s[j+1] == '`' {
					j += 2
					continue
				}
				break
			}
			j++
		}
		b.WriteString(unquoteName(s[i:min(j+1, len(s))]))
		i = j
	}
	return b.String()
}

// patterns reads the name patterns of KEEP and DROP.
func (p *parser) patterns() []*Name {
	var ns []*Name
	for {
		ns = append(ns, p.name("a column name or pattern"))
		if !p.got(Comma) {
			return ns
		}
	}
}

// stringLit reads a string literal.
func (p *parser) stringLit(what string) *Literal {
	t := p.tok
	if t.Kind != String {
		p.unexpected(what)
		return &Literal{Kind: LitString, Pos: span(t.Span.Start, t.Span.Start)}
	}
	p.next()
	return &Literal{Kind: LitString, Raw: p.text(t), Value: unquoteString(p.text(t)), Pos: t.Span}
}

// constant reads a constant: null, true, false, a signed number, a
// duration, a string, a parameter or an array of constants.
func (p *parser) constant(what string) Expr {
	t := p.tok
	switch t.Kind {
	case Null, True, False, String, Int, Decimal, Param, LBrack:
		return p.primary()
	case Minus, Plus:
		if k := p.peek(1).Kind; k == Int || k == Decimal {
			p.next()
			x := p.primary()
			return &UnaryExpr{Op: t.Kind, OpPos: t.Span, X: x, Pos: span(t.Span.Start, p.prevEnd())}
		}
	}
	p.unexpected(what)
	return p.bad()
}

// bad returns a BadExpr at the current token, reading it unless it ends
// something.
func (p *parser) bad() Expr {
	t := p.tok
	switch t.Kind {
	case EOF, Pipe, RParen, RBrack, RBrace, Comma:
		return &BadExpr{Pos: span(t.Span.Start, t.Span.Start)}
	}
	p.next()
	return &BadExpr{Pos: t.Span}
}

// enter counts one level of nesting; it reports false (and an error) past MaxDepth.
func (p *parser) enter() bool {
	p.depth++
	if p.depth > MaxDepth {
		p.quiet = false
		p.errorf(p.tok.Span, "expression nested too deeply (more than %d levels)", MaxDepth)
		return false
	}
	return true
}

// expr reads a boolean expression. ES|QL's precedence, loosest first:
// OR, AND, NOT, then the predicates (comparison, IN, LIKE, RLIKE, IS NULL,
// :), then + -, then * / %, then unary - +, then :: casts
// (EsqlBaseParser.g4; https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-syntax.html).
func (p *parser) expr() Expr {
	defer func() { p.depth-- }()
	if !p.enter() {
		p.sync()
		return &BadExpr{Pos: span(p.tok.Span.Start, p.tok.Span.Start)}
	}
	x := p.andExpr()
	for p.tok.Kind == Or {
		op := p.tok.Span
		p.next()
		y := p.andExpr()
		x = &BinaryExpr{Op: Or, OpPos: op, X: x, Y: y, Pos: span(x.Span().Start, p.prevEnd())}
	}
	return x
}

func (p *parser) andExpr() Expr {
	x := p.notExpr()
	for p.tok.Kind == And {
		op := p.tok.Span
		p.next()
		y := p.notExpr()
		x = &BinaryExpr{Op: And, OpPos: op, X: x, Y: y, Pos: span(x.Span().Start, p.prevEnd())}
	}
	return x
}

func (p *parser) notExpr() Expr {
	if p.tok.Kind != Not {
		return p.predicate()
	}
	t := p.tok
	defer func() { p.depth-- }()
	if !p.enter() {
		p.sync()
		return &BadExpr{Pos: span(t.Span.Start, t.Span.Start)}
	}
	p.next()
	x := p.notExpr()
	return &UnaryExpr{Op: Not, OpPos: t.Span, X: x, Pos: span(t.Span.Start, p.prevEnd())}
}

func isComparison(k Kind) bool {
	switch k {
	case Eq, Neq, Lt, Lte, Gt, Gte, CIEq:
		return true
	}
	return false
}

// predicate reads a value expression (arithmetic, one comparison) and one
// optional predicate: [NOT] IN (...), [NOT] LIKE|RLIKE pattern(s),
// IS [NOT] NULL, or : (match).
func (p *parser) predicate() Expr {
	x := p.arith()
	if isComparison(p.tok.Kind) {
		op := p.tok
		p.next()
		if op.Kind == CIEq {
			p.errorf(op.Span, "=~ is not an ES|QL operator (compare TO_LOWER(x) == \"...\")")
		}
		y := p.arith()
		x = &BinaryExpr{Op: op.Kind, OpPos: op.Span, X: x, Y: y, Pos: span(x.Span().Start, p.prevEnd())}
		if isComparison(p.tok.Kind) {
			p.errorf(p.tok.Span, "comparisons do not chain: write (a %s b) AND ...", p.text(op))
		}
	}
	start := x.Span().Start
	not := false
	if p.tok.Kind == Not {
		switch p.peek(1).Kind {
		case In, Like, Rlike:
			not = true
			p.next()
		}
	}
	switch p.tok.Kind {
	case In:
		p.next()
		e := &InExpr{X: x, Not: not}
		p.expect(LParen, "'(' after IN")
		for p.tok.Kind != RParen {
			e.List = append(e.List, p.arithValue())
			if !p.got(Comma) {
				break
			}
		}
		if len(e.List) == 0 && !p.quiet {
			p.errorf(p.tok.Span, "IN takes at least one value")
		}
		p.expect(RParen, "')' closing the IN list")
		e.Pos = span(start, p.prevEnd())
		return e
	case Like, Rlike:
		op := p.tok
		p.next()
		e := &LikeExpr{X: x, Not: not, Op: op.Kind, OpPos: op.Span}
		if p.tok.Kind == LParen {
			e.List = true
			p.next()
			for {
				e.Patterns = append(e.Patterns, p.pattern())
				if !p.got(Comma) {
					break
				}
			}
			p.expect(RParen, "')' closing the pattern list")
		} else {
			e.Patterns = append(e.Patterns, p.pattern())
		}
		e.Pos = span(start, p.prevEnd())
		return e
	case Is:
		p.next()
		e := &IsNullExpr{X: x}
		e.Not = p.got(Not)
		p.expect(Null, "NULL")
		e.Pos = span(start, p.prevEnd())
		return e
	case Colon:
		colon := p.tok.Span
		if !isMatchField(x) {
			p.errorf(colon, "the left of ':' must be a field name")
		}
		p.next()
		q := p.constant("a constant after ':'")
		return &MatchExpr{Field: x, ColonPos: colon, Query: q, Pos: span(start, p.prevEnd())}
	}
	return x
}

// arithValue reads a value of an IN list: an arithmetic expression with
// one optional comparison (valueExpression).
func (p *parser) arithValue() Expr {
	x := p.arith()
	if isComparison(p.tok.Kind) {
		op := p.tok
		p.next()
		y := p.arith()
		x = &BinaryExpr{Op: op.Kind, OpPos: op.Span, X: x, Y: y, Pos: span(x.Span().Start, p.prevEnd())}
	}
	return x
}

// pattern reads a LIKE or RLIKE pattern: a string or a parameter.
func (p *parser) pattern() Expr {
	if p.tok.Kind == Param {
		t := p.tok
		p.next()
		return &ParamExpr{Raw: p.text(t), Pos: t.Span}
	}
	return p.stringLit("a pattern string")
}

// isMatchField tells whether x may be the left of ':' (a field, or a cast of one).
func isMatchField(x Expr) bool {
	if c, ok := x.(*CastExpr); ok {
		x = c.X
	}
	_, ok := x.(*FieldRef)
	return ok
}

func (p *parser) arith() Expr {
	x := p.term()
	for p.tok.Kind == Plus || p.tok.Kind == Minus {
		op := p.tok
		p.next()
		y := p.term()
		x = &BinaryExpr{Op: op.Kind, OpPos: op.Span, X: x, Y: y, Pos: span(x.Span().Start, p.prevEnd())}
	}
	return x
}

func (p *parser) term() Expr {
	x := p.unary()
	for p.tok.Kind == Star || p.tok.Kind == Slash || p.tok.Kind == Percent {
		op := p.tok
		p.next()
		y := p.unary()
		x = &BinaryExpr{Op: op.Kind, OpPos: op.Span, X: x, Y: y, Pos: span(x.Span().Start, p.prevEnd())}
	}
	return x
}

func (p *parser) unary() Expr {
	if p.tok.Kind != Minus && p.tok.Kind != Plus {
		return p.primary()
	}
	t := p.tok
	defer func() { p.depth-- }()
	if !p.enter() {
		p.sync()
		return &BadExpr{Pos: span(t.Span.Start, t.Span.Start)}
	}
	p.next()
	x := p.unary()
	return &UnaryExpr{Op: t.Kind, OpPos: t.Span, X: x, Pos: span(t.Span.Start, p.prevEnd())}
}

// primary reads a constant, a field, a call or a parenthesized expression,
// then its :: casts.
func (p *parser) primary() Expr {
	x := p.operand()
	for p.tok.Kind == Cast {
		p.next()
		c := &CastExpr{X: x, Type: p.text(p.tok), TypePos: p.tok.Span}
		if p.tok.Kind != Ident {
			p.unexpected("a type name after '::'")
			c.Type, c.TypePos = "", span(p.tok.Span.Start, p.tok.Span.Start)
		} else {
			p.next()
		}
		c.Pos = span(x.Span().Start, p.prevEnd())
		x = c
	}
	return x
}

func (p *parser) operand() Expr {
	t := p.tok
	switch t.Kind {
	case Null:
		p.next()
		return &Literal{Kind: LitNull, Raw: p.text(t), Value: "null", Pos: t.Span}
	case True, False:
		p.next()
		return &Literal{Kind: LitBool, Raw: p.text(t), Value: strings.ToLower(p.text(t)), Pos: t.Span}
	case String:
		p.next()
		return &Literal{Kind: LitString, Raw: p.text(t), Value: unquoteString(p.text(t)), Pos: t.Span}
	case Decimal:
		p.next()
		return &Literal{Kind: LitDecimal, Raw: p.text(t), Value: p.text(t), Pos: t.Span}
	case Int:
		p.next()
		lit := &Literal{Kind: LitInt, Raw: p.text(t), Value: p.text(t), Pos: t.Span}
		if p.tok.Kind == Ident { // 1 day, 5 minutes
			u := p.tok
			p.next()
			return &Duration{Value: lit, Unit: p.text(u), UnitPos: u.Span, Pos: span(t.Span.Start, u.Span.End)}
		}
		return lit
	case Param:
		switch p.peek(1).Kind {
		case LParen:
			return p.call()
		case Dot:
			return &FieldRef{Name: p.name("a name")}
		}
		p.next()
		return &ParamExpr{Raw: p.text(t), Pos: t.Span}
	case Ident, First, Last:
		if p.peek(1).Kind == LParen {
			return p.call()
		}
		if t.Kind != Ident {
			break
		}
		return &FieldRef{Name: p.name("a name")}
	case QuotedIdent:
		return &FieldRef{Name: p.name("a name")}
	case LParen:
		p.next()
		x := p.expr()
		p.expect(RParen, "')'")
		return &ParenExpr{X: x, Pos: span(t.Span.Start, p.prevEnd())}
	case LBrack:
		p.next()
		a := &ArrayLit{}
		if p.tok.Kind != RBrack {
			for {
				a.Elems = append(a.Elems, p.constant("a constant"))
				if !p.got(Comma) {
					break
				}
			}
		}
		p.expect(RBrack, "']'")
		a.Pos = span(t.Span.Start, p.prevEnd())
		return a
	}
	p.unexpected("an expression")
	return p.bad()
}

// call reads name(args), name(*), with an optional last {map} argument.
func (p *parser) call() Expr {
	t := p.tok
	c := &Call{Name: p.text(t), NamePos: t.Span}
	p.next()
	p.next() // (
	defer func() { p.depth-- }()
	if !p.enter() {
		p.sync()
		return &BadExpr{Pos: span(t.Span.Start, t.Span.Start)}
	}
	switch {
	case p.tok.Kind == Star && p.peek(1).Kind == RParen:
		c.Star = true
		p.next()
	case p.tok.Kind == RParen:
	default:
		for {
			if p.tok.Kind == LBrace {
				c.Options = p.mapExpr()
				break
			}
			c.Args = append(c.Args, p.expr())
			if !p.got(Comma) {
				break
			}
		}
	}
	p.expect(RParen, "')' closing the call to "+p.text(t))
	c.Pos = span(t.Span.Start, p.prevEnd())
	return c
}

// mapExpr reads { "key": value, ... }.
func (p *parser) mapExpr() *MapExpr {
	m := &MapExpr{}
	start := p.tok.Span.Start
	p.next() // {
	if p.tok.Kind != RBrace {
		for {
			e := &MapEntry{Pos: p.tok.Span}
			e.Key = p.stringLit("a string key")
			p.expect(Colon, "':'")
			if p.tok.Kind == LBrace {
				if p.enter() {
					e.Value = p.mapExpr()
				} else {
					p.sync()
					e.Value = &BadExpr{Pos: span(p.tok.Span.Start, p.tok.Span.Start)}
				}
				p.depth--
			} else {
				e.Value = p.constant("a constant")
			}
			e.Pos = span(e.Pos.Start, p.prevEnd())
			m.Entries = append(m.Entries, e)
			if !p.got(Comma) {
				break
			}
		}
	}
	p.expect(RBrace, "'}'")
	m.Pos = span(start, p.prevEnd())
	return m
}
