package spl

import "strings"

// The eval expression language (eval, where, stats functions' arguments).
//
// Precedence, loosest first: OR, XOR, AND, NOT, comparison (= == != < <= >
// >= LIKE IN), + - and . (concatenation), * / %, unary - and +. The words
// AND, OR, XOR, NOT, LIKE and IN are keywords in any case here (where a or b
// is a disjunction), unlike in a search. 'name' is a field, "text" a string;
// a bare word is a field (in where, x=y compares two fields).
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Eval
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Where
// https://docs.splunk.com/Documentation/Splunk/latest/Search/Booleanexpressions

func (p *parser) parseExpr() Expr { return p.parseBinary(0) }

// levels lists the binary operators of each precedence level, loosest first.
var levels = [...]func(t Token) (string, bool){
	wordOp("OR"), wordOp("XOR"), wordOp("AND"),
	nil, // NOT
	func(t Token) (string, bool) {
		if t.Kind.IsComparison() {
			return t.Text, true
		}
		return wordOp("LIKE")(t)
	},
	kindOp(Plus, Minus, Dot),
	kindOp(Star, Slash, Percent),
}

func wordOp(w string) func(Token) (string, bool) {
	return func(t Token) (string, bool) {
		return w, t.Kind == Word && strings.EqualFold(t.Text, w)
	}
}

func kindOp(ks ...Kind) func(Token) (string, bool) {
	return func(t Token) (string, bool) {
		for _, k := range ks {
			if t.Kind == k {
				return t.Text, true
			}
		}
		return "", false
	}
}

func (p *parser) parseBinary(level int) Expr {
	if level == len(levels) {
		return p.parseUnary()
	}
	if levels[level] == nil {
		return p.parseNotExpr(level)
	}
	from := p.i
	x := p.parseBinary(level + 1)
	for !p.atEnd() {
		t := p.tok()
		op, ok := levels[level](t)
		if !ok {
			if level == 4 && t.Kind == Word && strings.EqualFold(t.Text, "IN") && p.at(p.i+1).Kind == LParen {
				x = p.parseInExpr(from, x)
				continue
			}
			break
		}
		p.next()
		y := p.parseBinary(level + 1)
		x = &BinaryExpr{Loc: p.span(from), Op: op, OpAt: t.Span, X: x, Y: y}
	}
	return x
}

// parseInExpr reads IN (a, b, ...) after x.
func (p *parser) parseInExpr(from int, x Expr) Expr {
	in := &InExpr{X: x, InAt: p.tok().Span}
	p.next()
	open := p.tok().Span
	p.next()
	if !p.enter() {
		p.leave()
		return &BadExpr{Loc: p.skipRest(from)}
	}
	defer p.leave()
	for !p.atEnd() && p.tok().Kind != RParen {
		if p.tok().Kind == Comma {
			p.next()
			continue
		}
		in.Values = append(in.Values, p.parseExpr())
	}
	if p.tok().Kind == RParen {
		p.next()
	} else if !p.tooDeep {
		p.errorf(open, "'(' not closed")
	}
	in.Loc = p.span(from)
	return in
}

func (p *parser) parseNotExpr(level int) Expr {
	t := p.tok()
	if t.Kind != Word || !strings.EqualFold(t.Text, "NOT") {
		return p.parseBinary(level + 1)
	}
	from := p.i
	p.next()
	if !p.enter() {
		p.leave()
		return &BadExpr{Loc: p.skipRest(from)}
	}
	defer p.leave()
	x := p.parseNotExpr(level)
	return &UnaryExpr{Loc: p.span(from), Op: "NOT", OpAt: t.Span, X: x}
}

func (p *parser) parseUnary() Expr {
	t := p.tok()
	if t.Kind != Minus && t.Kind != Plus {
		return p.parsePrimary()
	}
	from := p.i
	p.next()
	if !p.enter() {
		p.leave()
		return &BadExpr{Loc: p.skipRest(from)}
	}
	defer p.leave()
	x := p.parseUnary()
	return &UnaryExpr{Loc: p.span(from), Op: t.Text, OpAt: t.Span, X: x}
}

func (p *parser) parsePrimary() Expr {
	from := p.i
	t := p.tok()
	switch t.Kind {
	case Word:
		if p.at(p.i+1).Kind == LParen && !p.atEnd() {
			return p.parseCall()
		}
		p.next()
		if isNumber(t.Text) {
			return &NumberLit{Loc: t.Span, Raw: t.Text}
		}
		return p.fieldOf(from, p.i)
	case QuotedField, Star:
		p.next()
		return p.fieldOf(from, p.i)
	case String:
		p.next()
		return &StringLit{Loc: t.Span, Raw: t.Text, Value: Unquote(t.Text)}
	case MacroTok:
		return p.parseMacro()
	case LParen:
		if !p.enter() {
			p.leave()
			return &BadExpr{Loc: p.skipRest(from)}
		}
		p.next()
		x := p.parseExpr()
		if p.tok().Kind == RParen {
			p.next()
		} else if !p.tooDeep {
			p.errorf(t.Span, "'(' not closed")
		}
		p.leave()
		return &ParenExpr{Loc: p.span(from), X: x}
	}
	if p.atEnd() {
		p.errorf(t.Span, "missing expression")
	} else {
		p.errorf(t.Span, "unexpected %s in expression", describe(t))
	}
	switch t.Kind {
	case Comma, RParen, EOF:
	default:
		p.next()
	}
	return &BadExpr{Loc: p.span(from)}
}

// parseCall reads name(args).
func (p *parser) parseCall() Expr {
	from := p.i
	c := &CallExpr{Func: p.ident()}
	open := p.tok().Span
	p.next()
	if !p.enter() {
		p.leave()
		return &BadExpr{Loc: p.skipRest(from)}
	}
	defer p.leave()
	c.Args = p.parseArgs(false)
	if p.tok().Kind == RParen {
		p.next()
	} else if !p.tooDeep {
		p.errorf(open, "'(' not closed")
	}
	c.Loc = p.span(from)
	return c
}

// parseArgs reads comma-separated arguments up to ')'. With wild (the
// arguments of a stats function), an argument written as one run with a
// '*' (values(Processes.*), count(*)) is a field with a wildcard.
func (p *parser) parseArgs(wild bool) []Expr {
	var args []Expr
	for !p.atEnd() && p.tok().Kind != RParen {
		if len(args) > 0 {
			if p.tok().Kind != Comma {
				p.errorf(p.tok().Span, "expected ',' or ')', found %s", describe(p.tok()))
				// skip to the next comma or ')'
				for !p.atEnd() && p.tok().Kind != Comma && p.tok().Kind != RParen {
					p.next()
				}
				continue
			}
			p.next()
		}
		if b := p.wildcardRun(); wild && b > p.i {
			a := p.i
			p.i = b
			args = append(args, p.fieldOf(a, b))
			continue
		}
		args = append(args, p.parseExpr())
	}
	return args
}

// wildcardRun returns the end of a run of tokens without space that holds
// a '*' and ends at ',' or ')'; p.i when there is none.
func (p *parser) wildcardRun() int {
	star := false
	j := p.i
	for j < p.end {
		t := p.toks[j]
		if j > p.i && t.Space {
			return p.i
		}
		switch t.Kind {
		case Comma, RParen:
			if star {
				return j
			}
			return p.i
		case Star:
			star = true
		case Word, Dot:
		default:
			return p.i
		}
		j++
	}
	return p.i
}
