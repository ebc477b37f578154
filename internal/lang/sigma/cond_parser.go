package sigma

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Limits of the condition parser.
const (
	// MaxConditionDepth is the deepest nesting of parentheses and "not"
	// read; deeper conditions are an error, so parsing stays bounded.
	MaxConditionDepth = 100
	// maxConditionErrors is how many errors one condition reports at most.
	maxConditionErrors = 10
)

// condParser is a recursive-descent parser of Sigma conditions. Precedence,
// least to most binding: or, and, not, "x of", parentheses.
type condParser struct {
	lex   condLexer
	tok   lexeme
	errs  diag.ErrorList // spans are offsets of the condition
	depth int
	bail  bool // stop: too deep or too many errors
}

// ParseCondition parses one Sigma condition. It returns the tree (partial,
// with BadExpr where text could not be read, when there are errors) and
// every problem found, errors and warnings (a keyword not in lower case),
// as a diag.ErrorList whose spans are byte offsets of s, lines and columns
// (in runes) in s; nil when there is none. Its Err method is nil when there
// are only warnings.
func ParseCondition(s string) (Expr, diag.ErrorList) {
	x, errs := parseCondition(s)
	if len(errs) == 0 {
		return x, nil
	}
	errs.Sort()
	errs.Locate([]byte(s))
	return x, errs
}

func parseCondition(s string) (Expr, diag.ErrorList) {
	p := &condParser{lex: condLexer{src: s}}
	p.next()
	if p.tok.tok == EOF {
		p.errorf(p.tok.pos, "empty condition")
		return &BadExpr{From: 0, To: len(s)}, p.errs
	}
	x := p.parseOr()
	if !p.bail && p.tok.tok != EOF {
		if p.tok.tok == PIPE {
			p.errorf(p.tok.pos, "aggregation expressions ('| count() ...') are obsolete since Sigma 2.0: use a correlation rule")
		} else {
			p.errorf(p.tok.pos, "unexpected %s after the condition", p.describe(p.tok))
		}
	}
	return x, p.errs
}

func (p *condParser) next() {
	for {
		p.tok = p.lex.next()
		if p.tok.tok != ILLEGAL {
			break
		}
		p.errorf(p.tok.pos, "unexpected character %q in condition", p.tok.text)
		if p.bail {
			p.tok = lexeme{tok: EOF, pos: len(p.lex.src), end: len(p.lex.src)}
			return
		}
	}
	if p.tok.notLowered {
		p.warnf(p.tok.pos, "keyword %q is not in lower case; the Sigma reference tools read only %q", p.tok.text, strings.ToLower(p.tok.text))
	}
}

func (p *condParser) errorf(off int, format string, args ...any) {
	if p.bail {
		return
	}
	// One error per offset: a second one there says nothing new.
	for _, e := range p.errs {
		if e.Span.Start == off && e.Severity == diag.Error {
			return
		}
	}
	p.errs.Addf(diag.Span{Start: off, End: off}, diag.Error, format, args...)
	if len(p.errs) >= maxConditionErrors {
		p.bail = true
	}
}

func (p *condParser) warnf(off int, format string, args ...any) {
	if len(p.errs) < maxConditionErrors {
		p.errs.Addf(diag.Span{Start: off, End: off}, diag.Warning, format, args...)
	}
}

func (p *condParser) describe(t lexeme) string {
	switch t.tok {
	case EOF:
		return "end of condition"
	case IDENT, NUMBER:
		return fmt.Sprintf("%q", t.text)
	}
	if t.tok.IsKeyword() {
		return fmt.Sprintf("keyword %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// parseOr parses: and { "or" and }.
func (p *condParser) parseOr() Expr {
	x := p.parseAnd()
	if p.tok.tok != OR || p.bail {
		return x
	}
	b := &BinaryExpr{Op: OR, Args: []Expr{x}}
	for p.tok.tok == OR && !p.bail {
		b.OpPos = append(b.OpPos, p.tok.pos)
		p.next()
		b.Args = append(b.Args, p.parseAnd())
	}
	return b
}

// parseAnd parses: unary { "and" unary }.
func (p *condParser) parseAnd() Expr {
	x := p.parseUnary()
	if p.tok.tok != AND || p.bail {
		return x
	}
	b := &BinaryExpr{Op: AND, Args: []Expr{x}}
	for p.tok.tok == AND && !p.bail {
		b.OpPos = append(b.OpPos, p.tok.pos)
		p.next()
		b.Args = append(b.Args, p.parseUnary())
	}
	return b
}

func (p *condParser) enter(off int) bool {
	p.depth++
	if p.depth > MaxConditionDepth {
		p.errorf(off, "condition nested deeper than %d levels", MaxConditionDepth)
		p.bail = true
		return false
	}
	return true
}

// parseUnary parses: "not" unary | primary.
func (p *condParser) parseUnary() Expr {
	if p.tok.tok != NOT {
		return p.parsePrimary()
	}
	pos := p.tok.pos
	if !p.enter(pos) {
		return &BadExpr{From: pos, To: len(p.lex.src)}
	}
	p.next()
	x := p.parseUnary()
	p.depth--
	return &NotExpr{NotPos: pos, X: x}
}

// parsePrimary parses: "(" or ")" | quantifier "of" pattern | identifier.
func (p *condParser) parsePrimary() Expr {
	t := p.tok
	if p.bail {
		return &BadExpr{From: t.pos, To: t.pos}
	}
	switch t.tok {
	case IDENT:
		p.next()
		if p.tok.tok == OF {
			p.errorf(t.pos, "%q cannot quantify \"of\": use 1, any or all", t.text)
			return p.parseOf(t, QuantOne)
		}
		if identHasWildcard(t.text) {
			p.errorf(t.pos, "the pattern %q is only allowed after \"1 of\" or \"all of\"", t.text)
		}
		return &Ident{NamePos: t.pos, Name: t.text}
	case NUMBER:
		p.next()
		if p.tok.tok != OF {
			p.errorf(t.pos, "unexpected number %s: a search identifier or \"1 of\" was expected", t.text)
			return &BadExpr{From: t.pos, To: t.end}
		}
		if t.text != "1" {
			p.errorf(t.pos, "%q cannot quantify \"of\": use 1, any or all", t.text)
		}
		return p.parseOf(t, QuantOne)
	case ALL, ANY:
		p.next()
		q := QuantAll
		if t.tok == ANY {
			q = QuantAny
		}
		if p.tok.tok != OF {
			p.errorf(p.tok.pos, "\"of\" expected after %q, found %s", t.text, p.describe(p.tok))
			return &BadExpr{From: t.pos, To: t.end}
		}
		return p.parseOf(t, q)
	case LPAREN:
		if !p.enter(t.pos) {
			return &BadExpr{From: t.pos, To: len(p.lex.src)}
		}
		p.next()
		var x Expr
		if p.tok.tok == RPAREN {
			p.errorf(p.tok.pos, "empty parentheses")
			x = &BadExpr{From: t.pos, To: p.tok.end}
		} else {
			x = p.parseOr()
		}
		p.depth--
		if p.tok.tok != RPAREN {
			if !p.bail {
				p.errorf(p.tok.pos, "missing \")\" to close the \"(\" at offset %d; found %s", t.pos, p.describe(p.tok))
			}
			return &ParenExpr{Lparen: t.pos, X: x, Rparen: max(x.End(), t.pos+1) - 1}
		}
		r := p.tok.pos
		p.next()
		return &ParenExpr{Lparen: t.pos, X: x, Rparen: r}
	case EOF:
		p.errorf(t.pos, "unexpected end of condition: a search identifier was expected")
		return &BadExpr{From: t.pos, To: t.pos}
	case PIPE:
		p.errorf(t.pos, "aggregation expressions ('| count() ...') are obsolete since Sigma 2.0: use a correlation rule")
		p.bail = true
		return &BadExpr{From: t.pos, To: len(p.lex.src)}
	case NEAR:
		p.errorf(t.pos, "the \"near\" operator is obsolete since Sigma 2.0: use a temporal correlation rule")
		p.bail = true
		return &BadExpr{From: t.pos, To: len(p.lex.src)}
	}
	p.errorf(t.pos, "unexpected %s: a search identifier was expected", p.describe(t))
	if t.tok != RPAREN {
		p.next()
	}
	return &BadExpr{From: t.pos, To: t.end}
}

// parseOf parses "of pattern" after the quantifier q (token t); p.tok is "of".
func (p *condParser) parseOf(t lexeme, q Quantifier) Expr {
	ofPos := p.tok.pos
	p.next()
	x := &OfExpr{QuantPos: t.pos, Quant: q, OfPos: ofPos, PatternPos: p.tok.pos}
	switch p.tok.tok {
	case THEM:
		x.Them, x.Pattern = true, p.tok.text
		if p.tok.notLowered {
			x.Pattern = "them"
		}
		p.next()
	case IDENT:
		x.Pattern = p.tok.text
		p.next()
	default:
		p.errorf(p.tok.pos, "a search identifier pattern or \"them\" was expected after \"of\", found %s", p.describe(p.tok))
		return &BadExpr{From: t.pos, To: p.tok.pos}
	}
	return x
}

// identHasWildcard tells whether an identifier used alone holds a '*',
// which only patterns after "of" may.
func identHasWildcard(name string) bool { return strings.IndexByte(name, '*') >= 0 }

// runeCol returns the 1-based column of byte offset off in line.
func runeCol(line string, off int) int {
	if off > len(line) {
		off = len(line)
	}
	return utf8.RuneCountInString(line[:off]) + 1
}
