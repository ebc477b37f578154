package spl

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// MaxDepth bounds the nesting of parentheses, NOT and unary operators,
// and subsearches: deeper input is an error, never a stack overflow.
const MaxDepth = 1000

// Parse reads a search. It always returns a tree, partial where the source
// is wrong (Bad* nodes keep the span of what could not be read), and every
// problem met, sorted and located. Comments are in the Query's Comments.
func Parse(src []byte) (*Query, diag.ErrorList) {
	s := string(src)
	all, errs := lex(s)
	p := &parser{src: s, errs: errs}
	q := &Query{Src: s}
	// the comments leave the token list (in place: it is ours)
	p.toks = all[:0]
	for _, t := range all {
		if t.Kind == CommentTok {
			text := t.Text[3:]
			if strings.HasSuffix(text, "```") {
				text = text[:len(text)-3]
			}
			q.Comments = append(q.Comments, &Comment{Loc: t.Span, Text: text})
			continue
		}
		p.toks = append(p.toks, t)
	}
	p.matchBrackets()
	p.end = len(p.toks) - 1
	q.Pipeline = p.parsePipeline(len(p.toks)-1, false)
	p.errs.Sort()
	p.errs.Locate(src)
	return q, p.errs
}

type parser struct {
	src     string
	toks    []Token     // without comments; the last is EOF
	i       int         // the current token
	end     int         // the index of the token that ends the current command
	match   map[int]int // for the index of a '[', the index of its ']' (or of EOF)
	errs    diag.ErrorList
	depth   int
	parens  int // the search parentheses open: a ')' ends a group only inside one
	tooDeep bool
}

// ---- tokens

// tok returns the current token; past the end of the command, an EOF at
// the command's end.
func (p *parser) tok() Token { return p.at(p.i) }

func (p *parser) at(i int) Token {
	if i >= p.end {
		e := p.toks[p.end].Span.Start
		return Token{Kind: EOF, Space: true, Span: diag.Span{Start: e, End: e}}
	}
	return p.toks[i]
}

func (p *parser) next() { p.i++ }

func (p *parser) atEnd() bool { return p.i >= p.end }

// isWord tells whether the current token is the word w, in any case.
func (p *parser) isWord(w string) bool {
	t := p.tok()
	return t.Kind == Word && strings.EqualFold(t.Text, w)
}

// isUpper tells whether the current token is the keyword w written in upper
// case and standing alone (not glued to the next token, unless that is a
// parenthesis): AND, OR, NOT in a search.
func (p *parser) isUpper(w string) bool {
	t := p.tok()
	if t.Kind != Word || t.Text != w {
		return false
	}
	n := p.at(p.i + 1)
	return n.Space || n.Kind == LParen || n.Kind == EOF || n.Kind == RParen || n.Kind == LBrack
}

func (p *parser) errorf(sp diag.Span, format string, args ...any) {
	if len(p.errs) > diag.MaxErrors {
		return // full: the list says the rest were dropped
	}
	p.errs.Addf(sp, diag.Error, format, args...)
}

// describe names a token for an error message.
func describe(t Token) string {
	switch t.Kind {
	case EOF:
		return "end of command"
	case Word, String, QuotedField, MacroTok:
		s := t.Text
		if len(s) > 30 {
			s = s[:30] + "..."
		}
		return t.Kind.String() + " " + s
	}
	return t.Kind.String()
}

// span is the span of the tokens from the token at from to the current
// one; when nothing was read, the empty span right after the token before.
func (p *parser) span(from int) diag.Span {
	if p.i <= from {
		return p.rangeSpan(from, from)
	}
	return diag.Span{Start: p.toks[from].Span.Start, End: p.toks[p.i-1].Span.End}
}

// enter counts one level of nesting; false when too deep (then the rest of
// the command is skipped).
func (p *parser) enter() bool {
	p.depth++
	if p.depth > MaxDepth {
		if !p.tooDeep {
			p.errorf(p.tok().Span, "nesting deeper than %d", MaxDepth)
		}
		p.tooDeep = true
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

// skipRest skips to the end of the command, as a Bad node's span.
func (p *parser) skipRest(from int) diag.Span {
	p.i = max(p.i, p.end)
	return p.span(from)
}

// matchBrackets pairs every '[' with its ']' (an unclosed one with EOF).
func (p *parser) matchBrackets() {
	var stack []int
	for i, t := range p.toks {
		switch t.Kind {
		case LBrack:
			if p.match == nil {
				p.match = map[int]int{}
			}
			stack = append(stack, i)
		case RBrack:
			if n := len(stack); n > 0 {
				p.match[stack[n-1]] = i
				stack = stack[:n-1]
			}
		}
	}
	for _, i := range stack {
		p.match[i] = len(p.toks) - 1
	}
}

// segmentEnd returns the index of the '|', ']' or EOF that ends the command
// starting at i, stepping over subsearches, not past limit.
func (p *parser) segmentEnd(i, limit int) int {
	for i < limit {
		switch p.toks[i].Kind {
		case Pipe, RBrack, EOF:
			return i
		case LBrack:
			i = p.match[i] + 1
			continue
		}
		i++
	}
	return limit
}

// ---- pipelines

// parsePipeline reads commands separated by '|' up to the token at limit
// (the ']' of a subsearch, or EOF).
func (p *parser) parsePipeline(limit int, sub bool) *Pipeline {
	saved := p.end
	start := p.i
	pl := &Pipeline{}
	first := true
	for {
		var pipe diag.Span
		hasPipe := false
		if p.i < limit && p.toks[p.i].Kind == Pipe {
			pipe, hasPipe = p.toks[p.i].Span, true
			p.i++
		}
		end := p.segmentEnd(p.i, limit)
		p.end = end
		if p.i == end {
			if hasPipe || !first {
				at := p.toks[end].Span
				if hasPipe {
					at = pipe
				}
				p.errorf(at, "missing command after '|'")
			}
		} else {
			cmd := p.parseCommand(first && !hasPipe, sub)
			if p.i < end {
				p.errorf(p.toks[p.i].Span, "unexpected %s in %s", describe(p.toks[p.i]), commandName(cmd))
				p.i = end
			}
			pl.Commands = append(pl.Commands, cmd)
			pl.Pipes = append(pl.Pipes, pipe)
		}
		first = false
		p.i = end
		p.end = saved
		if end >= limit {
			break
		}
		if p.toks[end].Kind == RBrack {
			// a ']' that closes nothing
			p.errorf(p.toks[end].Span, "unexpected ']'")
			p.i++
			if p.i >= limit {
				break
			}
			continue
		}
		if p.toks[end].Kind != Pipe {
			break
		}
	}
	pl.Loc = p.span(start)
	if len(pl.Commands) == 0 {
		e := p.toks[min(start, len(p.toks)-1)].Span.Start
		pl.Loc = diag.Span{Start: e, End: e}
	}
	return pl
}

// parseSubsearch reads [ pipeline ] at the current '['.
func (p *parser) parseSubsearch() *Subsearch {
	from := p.i
	close := p.match[p.i]
	if !p.enter() {
		p.leave()
		p.i = max(p.i, min(close+1, p.end))
		at := p.toks[from].Span.End
		return &Subsearch{Loc: p.span(from), Pipeline: &Pipeline{Loc: diag.Span{Start: at, End: at}}}
	}
	p.i++
	saved, parens := p.end, p.parens
	p.parens = 0
	pl := p.parsePipeline(close, true)
	p.end, p.parens = saved, parens
	p.i = close
	if p.toks[close].Kind == RBrack {
		p.i++
	} else {
		p.errorf(p.toks[from].Span, "'[' not closed")
	}
	p.leave()
	return &Subsearch{Loc: p.span(from), Pipeline: pl}
}

func commandName(c Command) string {
	switch c := c.(type) {
	case *SearchCommand:
		return "search"
	case *Macro:
		return "macro " + c.Raw
	case *BadCommand:
		return "command"
	}
	if id := nameOf(c); id != nil {
		return id.Name
	}
	return "command"
}

// nameOf returns the name of a command (nil for a macro, a bad command or
// the implied search).
func nameOf(c Command) *Ident {
	switch c := c.(type) {
	case *SearchCommand:
		return c.Name
	case *WhereCommand:
		return c.Name
	case *EvalCommand:
		return c.Name
	case *StatsCommand:
		return c.Name
	case *RexCommand:
		return c.Name
	case *RegexCommand:
		return c.Name
	case *LookupCommand:
		return c.Name
	case *InputlookupCommand:
		return c.Name
	case *TableCommand:
		return c.Name
	case *FieldsCommand:
		return c.Name
	case *RenameCommand:
		return c.Name
	case *JoinCommand:
		return c.Name
	case *AppendCommand:
		return c.Name
	case *SortCommand:
		return c.Name
	case *HeadCommand:
		return c.Name
	case *ConvertCommand:
		return c.Name
	case *ArgsCommand:
		return c.Name
	case *RawCommand:
		return c.Name
	}
	return nil
}

// Name returns the name of command c in lower case ("search" for the
// implied search, "" for a macro or a bad command).
func Name(c Command) string {
	if _, ok := c.(*SearchCommand); ok {
		return "search"
	}
	if id := nameOf(c); id != nil {
		return strings.ToLower(id.Name)
	}
	return ""
}
