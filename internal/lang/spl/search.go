package spl

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// The search command's expressions.
//
// Precedence, tightest first: parentheses, NOT, OR, AND (written or implied
// by a space), so `A OR B C` is `(A OR B) AND C`; the operators are
// keywords only in upper case (`a or b` is three terms). NOT applies to the
// term right after it.
// https://docs.splunk.com/Documentation/Splunk/latest/Search/Booleanexpressions
// (help.splunk.com: Search Manual, "Boolean expressions with logical operators",
// table "Order of evaluation")
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Search

// parseSearch reads a search expression up to the end of the command, a
// ')' of an enclosing group, or (stopBy, in tstats' where) the word BY in
// any case. It returns nil when there is nothing to read.
func (p *parser) parseSearch(stopBy bool) SearchExpr {
	from := p.i
	var terms []SearchExpr
	var ops []diag.Span
	for !p.searchStop(stopBy) {
		var op diag.Span
		if p.isUpper("AND") {
			op = p.tok().Span
			p.next()
			if len(terms) == 0 {
				p.errorf(op, "AND without a term before it")
			}
			if p.searchStop(stopBy) {
				p.errorf(op, "missing term after AND")
				break
			}
		}
		t := p.parseSearchOr(stopBy)
		if len(terms) > 0 {
			ops = append(ops, op)
		}
		terms = append(terms, t)
	}
	switch len(terms) {
	case 0:
		return nil
	case 1:
		return terms[0]
	}
	return &SearchAnd{Loc: p.span(from), Terms: terms, Ops: ops}
}

// searchStop tells whether a search expression ends at the current token.
func (p *parser) searchStop(stopBy bool) bool {
	t := p.tok()
	return p.atEnd() || t.Kind == RParen && p.parens > 0 || stopBy && t.Kind == Word && strings.EqualFold(t.Text, "by")
}

func (p *parser) parseSearchOr(stopBy bool) SearchExpr {
	from := p.i
	x := p.parseSearchNot(stopBy)
	if !p.isUpper("OR") {
		return x
	}
	or := &SearchOr{Terms: []SearchExpr{x}}
	for p.isUpper("OR") {
		op := p.tok().Span
		p.next()
		or.Ops = append(or.Ops, op)
		if p.searchStop(stopBy) || p.isUpper("OR") || p.isUpper("AND") {
			p.errorf(op, "missing term after OR")
			or.Terms = append(or.Terms, &BadSearch{Loc: diag.Span{Start: op.End, End: op.End}})
			continue
		}
		or.Terms = append(or.Terms, p.parseSearchNot(stopBy))
	}
	or.Loc = p.span(from)
	return or
}

func (p *parser) parseSearchNot(stopBy bool) SearchExpr {
	if !p.isUpper("NOT") {
		return p.parseSearchPrimary(stopBy)
	}
	from := p.i
	not := p.tok().Span
	p.next()
	if !p.enter() {
		p.leave()
		return &BadSearch{Loc: p.skipRest(from)}
	}
	defer p.leave()
	if p.searchStop(stopBy) || p.isUpper("OR") || p.isUpper("AND") {
		p.errorf(not, "missing term after NOT")
		return &SearchNot{Loc: p.span(from), NotAt: not, X: &BadSearch{Loc: diag.Span{Start: not.End, End: not.End}}}
	}
	x := p.parseSearchNot(stopBy)
	return &SearchNot{Loc: p.span(from), NotAt: not, X: x}
}

func (p *parser) parseSearchPrimary(stopBy bool) SearchExpr {
	from := p.i
	t := p.tok()
	switch t.Kind {
	case LParen:
		if !p.enter() {
			p.leave()
			return &BadSearch{Loc: p.skipRest(from)}
		}
		p.next()
		p.parens++
		x := p.parseSearch(false)
		p.parens--
		if p.tok().Kind == RParen {
			p.next()
		} else if !p.tooDeep {
			p.errorf(t.Span, "'(' not closed")
		}
		p.leave()
		return &SearchParen{Loc: p.span(from), X: x}
	case LBrack:
		return p.parseSubsearch()
	case RParen:
		p.errorf(t.Span, "unexpected ')'")
		p.next()
		return &BadSearch{Loc: t.Span}
	case MacroTok:
		if n := p.at(p.i + 1); n.Space || n.Kind == EOF || n.Kind == RParen || n.Kind == LParen || n.Kind == LBrack {
			return p.parseMacro()
		}
	case Word:
		if p.isDirective() {
			return p.parseDirective()
		}
	}
	a := p.i
	b := p.glueEnd(false, true)
	if b == a {
		// the term starts with an operator: read it whole
		b = p.glueEnd(false, false)
		if b == a {
			p.errorf(t.Span, "unexpected %s in search", describe(t))
			p.next()
			return &BadSearch{Loc: t.Span}
		}
		p.i = b
		return &SearchTerm{Loc: p.span(from), Value: p.valueOf(a, b)}
	}
	p.i = b
	n := p.tok()
	switch {
	case n.Kind.IsComparison() && !p.atEnd():
		c := &SearchCompare{Field: p.fieldOf(a, b), Op: n.Kind, OpAt: n.Span}
		p.next()
		v := p.tok()
		if p.atEnd() || v.Kind == RParen || v.Kind == LParen || v.Kind == LBrack ||
			v.Space && (p.isUpper("AND") || p.isUpper("OR") || p.isUpper("NOT")) {
			c.Value = &Value{Loc: diag.Span{Start: n.Span.End, End: n.Span.End}}
		} else if p.isDirective() {
			d := p.parseDirective().(*SearchDirective)
			c.Value = d.Value
			c.Value.Loc, c.Value.Raw, c.Value.Directive = d.Loc, p.src[d.Loc.Start:d.Loc.End], d.Name
		} else {
			c.Value = p.parseValue(false, false)
		}
		c.Loc = p.span(from)
		return c
	case n.Kind == Word && strings.EqualFold(n.Text, "IN") && p.at(p.i+1).Kind == LParen:
		// field IN (a, b): https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Search
		in := &SearchIn{Field: p.fieldOf(a, b), InAt: n.Span}
		p.next()
		open := p.tok().Span
		p.next()
		for !p.atEnd() && p.tok().Kind != RParen {
			if p.tok().Kind == Comma {
				p.next()
				continue
			}
			if p.glueEnd(true, false) == p.i {
				p.errorf(p.tok().Span, "unexpected %s in IN list", describe(p.tok()))
				p.next()
				continue
			}
			in.Values = append(in.Values, p.parseValue(true, false))
		}
		if p.tok().Kind == RParen {
			p.next()
		} else {
			p.errorf(open, "'(' not closed")
		}
		in.Loc = p.span(from)
		return in
	}
	return &SearchTerm{Loc: p.span(from), Value: p.valueOf(a, b)}
}

// isDirective tells whether TERM( or CASE( is at the current token.
func (p *parser) isDirective() bool {
	t, n := p.tok(), p.at(p.i+1)
	return t.Kind == Word && n.Kind == LParen && !n.Space && (strings.EqualFold(t.Text, "TERM") || strings.EqualFold(t.Text, "CASE"))
}

// parseDirective reads TERM(x) or CASE(x), a term or the value of a
// comparison (host=CASE(LOCALHOST)).
// https://docs.splunk.com/Documentation/Splunk/latest/Search/UseCASEandTERMtomatchphrases
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Search
// (search modifiers: CASE() makes the match case-sensitive, TERM() matches
// the whole term, minor breakers included)
func (p *parser) parseDirective() SearchExpr {
	from := p.i
	d := &SearchDirective{Name: strings.ToUpper(p.tok().Text)}
	p.next()
	open := p.tok().Span
	p.next()
	a := p.i
	for !p.atEnd() && p.tok().Kind != RParen {
		p.next()
	}
	d.Value = p.valueOf(a, p.i)
	if p.tok().Kind == RParen {
		p.next()
	} else {
		p.errorf(open, "'(' not closed")
	}
	d.Loc = p.span(from)
	return d
}
