package spl

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Values, fields, options and macros: the pieces every command is made of.

// glueEnd returns the end (exclusive) of the run of tokens written without
// space that starts at the current token: the terms and values of a search.
// Parentheses, brackets and pipes end a run;
// stopComma makes a comma end it, stopCmp a comparison operator.
func (p *parser) glueEnd(stopComma, stopCmp bool) int {
	j := p.i
	for j < p.end {
		t := p.toks[j]
		if j > p.i && t.Space {
			break
		}
		switch t.Kind {
		case LParen, RParen, LBrack, RBrack, Pipe, EOF:
			return j
		case Comma:
			if stopComma {
				return j
			}
		default:
			if stopCmp && t.Kind.IsComparison() {
				return j
			}
		}
		j++
	}
	return j
}

// rangeSpan is the span of tokens [a, b).
func (p *parser) rangeSpan(a, b int) diag.Span {
	if b <= a {
		// empty: right after the token before
		e := p.at(a).Span.Start
		if a > 0 && a <= len(p.toks) {
			e = p.toks[a-1].Span.End
		}
		return diag.Span{Start: e, End: e}
	}
	return diag.Span{Start: p.toks[a].Span.Start, End: p.toks[b-1].Span.End}
}

// valueOf builds the Value of tokens [a, b).
func (p *parser) valueOf(a, b int) *Value {
	sp := p.rangeSpan(a, b)
	v := &Value{Loc: sp, Raw: p.src[sp.Start:sp.End]}
	v.Quoted = b-a == 1 && p.toks[a].Kind == String
	switch {
	case b-a == 1 && p.toks[a].Kind == Word:
		v.Text = unescape(v.Raw)
	case v.Quoted:
		v.Text = Unquote(v.Raw)
	default:
		var sb strings.Builder
		for k := a; k < b; k++ {
			t := p.toks[k]
			switch t.Kind {
			case String:
				sb.WriteString(Unquote(t.Text))
			case Word:
				sb.WriteString(unescape(t.Text))
			case MacroTok:
				sb.WriteString(t.Text)
				v.Macros = append(v.Macros, macroOf(t))
			default:
				sb.WriteString(t.Text)
			}
		}
		v.Text = sb.String()
	}
	v.Wildcard = hasWildcard(v.Text)
	return v
}

// hasWildcard tells whether s holds a '*' not escaped by a backslash.
func hasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*':
			return true
		}
	}
	return false
}

// fieldOf builds the Field of tokens [a, b).
func (p *parser) fieldOf(a, b int) *Field {
	if b-a == 1 {
		t := p.toks[a]
		f := &Field{Loc: t.Span, Raw: t.Text, Name: t.Text}
		switch t.Kind {
		case Word:
			f.Name = unescape(t.Text)
		case String:
			f.Quoted = true
			f.Name = Unquote(t.Text)
		case QuotedField:
			f.Quoted = true
			f.Name = Unquote(t.Text)
			return f
		}
		f.Wildcard = hasWildcard(f.Name)
		return f
	}
	v := p.valueOf(a, b)
	return &Field{Loc: v.Loc, Raw: v.Raw, Name: v.Text, Quoted: v.Quoted, Wildcard: v.Wildcard}
}

// parseValue reads the run of tokens at the current one as a Value; an
// empty Value when there is none.
func (p *parser) parseValue(stopComma, stopCmp bool) *Value {
	a := p.i
	b := p.glueEnd(stopComma, stopCmp)
	if b == a && p.tok().Kind == MacroTok {
		b = a + 1
	}
	p.i = b
	return p.valueOf(a, b)
}

// parseField reads a field name: a run of tokens without space (commas
// end it); parentheses glued to it are part of it (as aceFlags(inheritance),
// fields predicted(x): the names ML Toolkit gives).
func (p *parser) parseField() *Field {
	a := p.i
	b := p.glueEnd(true, false)
	if b == a && p.tok().Kind == MacroTok {
		b = a + 1
	}
	for b > a && b < p.end && p.toks[b].Kind == LParen && !p.toks[b].Space {
		depth := 0
		j := b
		for ; j < p.end; j++ {
			if k := p.toks[j].Kind; k == LParen {
				depth++
			} else if k == RParen {
				depth--
				if depth == 0 {
					break
				}
			} else if k == Pipe || k == LBrack || k == RBrack {
				break
			}
		}
		if j >= p.end || p.toks[j].Kind != RParen {
			break
		}
		p.i = j + 1
		b = p.i
		if n := p.at(b); !n.Space && n.Kind != Comma {
			b = p.glueEnd(true, false)
		}
	}
	p.i = b
	return p.fieldOf(a, b)
}

// fieldStart tells whether a field name can start at the current token.
func (p *parser) fieldStart() bool {
	switch p.tok().Kind {
	case Word, String, QuotedField, MacroTok, Star, Minus, Plus, Dot, Slash, Percent, Lt, Gt, Le, Ge, Assign, Eq, Neq:
		return true
	}
	return false
}

// unescape decodes the escapes of an unquoted value: \\ \" and \|; any
// other backslash stays as written (C:\Windows).
// https://docs.splunk.com/Documentation/Splunk/latest/Search/Quotesandescapingcharacters
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == '"' || s[i+1] == '|') {
			i++
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Unquote takes the quotes off a "string" or a 'field' and decodes its
// escapes (\\, \" or \', and \|); text without quotes is only unescaped.
func Unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		q := s[0]
		s = s[1 : len(s)-1]
		if strings.IndexByte(s, '\\') < 0 {
			return s
		}
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '\\' && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == q || s[i+1] == '|') {
				i++
				c = s[i]
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	if len(s) >= 1 && s[0] == '"' {
		return unescape(s[1:]) // unterminated
	}
	return unescape(s)
}

// ident reads the current token as an Ident.
func (p *parser) ident() *Ident {
	t := p.tok()
	p.next()
	return &Ident{Loc: t.Span, Name: t.Text}
}

// isOption tells whether name=value starts at the current token: a word
// glued to '='.
func (p *parser) isOption() bool {
	t := p.tok()
	if t.Kind != Word {
		return false
	}
	n := p.at(p.i + 1)
	return !n.Space && n.Kind == Assign
}

// parseOption reads name=value. A value that opens a parenthesis
// (startswith=(...), startswith=eval(...)) runs to its closing one.
func (p *parser) parseOption() *Option {
	from := p.i
	o := &Option{Name: p.ident()}
	o.Eq = p.tok().Span
	p.next()
	t := p.tok()
	switch {
	case p.atEnd() || t.Space:
		o.Value = p.valueOf(p.i, p.i)
	case t.Kind == LParen || t.Kind == Word && !p.at(p.i+1).Space && p.at(p.i+1).Kind == LParen:
		a := p.i
		depth := 0
		for !p.atEnd() {
			k := p.tok().Kind
			p.next()
			if k == LParen {
				depth++
			} else if k == RParen {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if depth > 0 {
			p.errorf(p.toks[a].Span, "'(' not closed")
		}
		sp := p.rangeSpan(a, p.i)
		o.Value = &Value{Loc: sp, Raw: p.src[sp.Start:sp.End], Text: p.src[sp.Start:sp.End]}
	default:
		o.Value = p.parseValue(true, false)
	}
	o.Loc = p.span(from)
	return o
}

// parseMacro reads the current macro token.
func (p *parser) parseMacro() *Macro {
	t := p.tok()
	p.next()
	return macroOf(t)
}

// macroOf reads a macro call from its token: `name` or `name(a, "b")`.
func macroOf(t Token) *Macro {
	m := &Macro{Loc: t.Span, Raw: t.Text}
	name, args, has := SplitMacroCall(t.Text)
	m.Name, m.Args, m.HasArgs = name, args, has
	return m
}

// SplitMacroCall splits the text of a macro call (with or without its
// backquotes) into its name and its arguments, trimmed, quotes kept; a
// comma inside double quotes does not split. has tells whether the call
// has parentheses.
func SplitMacroCall(s string) (name string, args []string, has bool) {
	s = strings.TrimPrefix(s, "`")
	s = strings.TrimSpace(strings.TrimSuffix(s, "`"))
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return s, nil, false
	}
	name = strings.TrimSpace(s[:open])
	body := s[open+1 : len(s)-1]
	if strings.TrimSpace(body) == "" {
		return name, nil, true
	}
	start, inQ := 0, false
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '\\':
			i++
		case '"':
			inQ = !inQ
		case ',':
			if !inQ {
				args = append(args, strings.TrimSpace(body[start:i]))
				start = i + 1
			}
		}
	}
	args = append(args, strings.TrimSpace(body[start:]))
	return name, args, true
}

// isNumber tells whether a word is a number: 42, 1.5, 0x1F, 1e3.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		for _, c := range s[2:] {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
		return true
	}
	digits, dot, exp := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && digits > 0 && !exp && i+1 < len(s):
			exp = true
			if s[i+1] == '+' || s[i+1] == '-' {
				i++
			}
		default:
			return false
		}
	}
	return digits > 0
}
