package spl

import "github.com/ruledex/ruledex/internal/lang/diag"

// Lex splits src into tokens, comments included, the last one EOF. It never
// fails: a byte it cannot read is an Illegal token, an unterminated string
// or comment runs to the end of the source (Parse reports it).
func Lex(src []byte) []Token {
	toks, _ := lex(string(src))
	return toks
}

// punct tells which bytes end a word.
var punct [256]bool

func init() {
	for _, c := range []byte(" \t\r\n\f\v|[](),=!<>+-*/%\"`") {
		punct[c] = true
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// lex tokenizes src and returns the lexical errors (unterminated strings,
// macros and comments, illegal characters).
func lex(src string) ([]Token, diag.ErrorList) {
	var errs diag.ErrorList
	toks := make([]Token, 0, len(src)/6+16) // the corpus averages 8.8 bytes a token
	space := true
	i := 0
	emit := func(k Kind, start, end int) {
		toks = append(toks, Token{Kind: k, Space: space, Span: diag.Span{Start: start, End: end}, Text: src[start:end]})
		space = false
	}
	for i < len(src) {
		c := src[i]
		start := i
		switch {
		case isSpace(c):
			for i < len(src) && isSpace(src[i]) {
				i++
			}
			space = true
			continue
		case c == '`':
			if i+2 < len(src) && src[i+1] == '`' && src[i+2] == '`' {
				// ```comment```: Splunk's comment, to the next three backquotes.
				// https://docs.splunk.com/Documentation/Splunk/latest/Search/Comments
				j := indexFrom(src, "```", i+3)
				if j < 0 {
					errs.Add(diag.Span{Start: start, End: len(src)}, diag.Error, "comment not terminated")
					i = len(src)
				} else {
					i = j + 3
				}
				emit(CommentTok, start, i)
				space = true
				continue
			}
			j := indexByteFrom(src, '`', i+1)
			if j < 0 {
				errs.Add(diag.Span{Start: start, End: len(src)}, diag.Error, "macro not terminated")
				i = len(src)
			} else {
				i = j + 1
			}
			emit(MacroTok, start, i)
			continue
		case c == '"':
			i = scanQuoted(src, i, '"')
			if i < 0 {
				errs.Add(diag.Span{Start: start, End: len(src)}, diag.Error, "string not terminated")
				i = len(src)
			}
			emit(String, start, i)
			continue
		case c == '\'':
			// '...' names a field in eval; elsewhere a quote is an ordinary
			// character, so an unclosed one is read as a word.
			if j := scanQuoted(src, i, '\''); j > 0 {
				i = j
				emit(QuotedField, start, i)
				continue
			}
			i = scanWord(src, i+1)
			emit(Word, start, i)
			continue
		case c == '!':
			if i+1 < len(src) && src[i+1] == '=' {
				i += 2
				emit(Neq, start, i)
				continue
			}
			i = scanWord(src, i+1)
			emit(Word, start, i)
			continue
		case c == '.':
			if i+1 < len(src) && '0' <= src[i+1] && src[i+1] <= '9' { // .5
				i = scanWord(src, i+1)
				emit(Word, start, i)
				continue
			}
			i++
			emit(Dot, start, i)
			continue
		case c == 0:
			i++
			errs.Add(diag.Span{Start: start, End: i}, diag.Error, "illegal character NUL")
			emit(Illegal, start, i)
			continue
		}
		if k := punctKind(src, i); k != EOF {
			n := 1
			if k == Le || k == Ge || k == Eq {
				n = 2
			}
			i += n
			emit(k, start, i)
			continue
		}
		i = scanWord(src, i)
		emit(Word, start, i)
	}
	toks = append(toks, Token{Kind: EOF, Space: space, Span: diag.Span{Start: len(src), End: len(src)}})
	return toks, errs
}

// punctKind returns the kind of the operator at src[i], or EOF.
func punctKind(src string, i int) Kind {
	next := byte(0)
	if i+1 < len(src) {
		next = src[i+1]
	}
	switch src[i] {
	case '|':
		return Pipe
	case '[':
		return LBrack
	case ']':
		return RBrack
	case '(':
		return LParen
	case ')':
		return RParen
	case ',':
		return Comma
	case '=':
		if next == '=' {
			return Eq
		}
		return Assign
	case '<':
		if next == '=' {
			return Le
		}
		return Lt
	case '>':
		if next == '=' {
			return Ge
		}
		return Gt
	case '+':
		return Plus
	case '-':
		return Minus
	case '*':
		return Star
	case '/':
		return Slash
	case '%':
		return Percent
	}
	return EOF
}

// scanWord returns the end of the word that goes on at i: up to a space or
// a punctuation mark; a backslash takes the next byte with it unless that is
// a space or a backquote (\| \" \\ are part of an unquoted value), and a dot stays in the word when a word
// character follows it (Processes.process_name, 10.0.0.1).
func scanWord(src string, i int) int {
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\\':
			if i+1 < len(src) && src[i+1] != '`' && !isSpace(src[i+1]) {
				i += 2
			} else {
				i++
			}
			continue
		case c == '!':
			if i+1 < len(src) && src[i+1] == '=' {
				return i
			}
		case c == '.':
			if i+1 >= len(src) || punct[src[i+1]] || src[i+1] == '.' {
				return i
			}
		case punct[c] || c == 0:
			return i
		}
		i++
	}
	return i
}

// scanQuoted returns the end of the quoted text that starts at i (after its
// closing quote), or -1 when it is not closed. A backslash escapes the byte
// after it.
func scanQuoted(src string, i int, q byte) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return -1
}

func indexByteFrom(s string, c byte, from int) int {
	for j := from; j < len(s); j++ {
		if s[j] == c {
			return j
		}
	}
	return -1
}

func indexFrom(s, sub string, from int) int {
	if from > len(s) {
		return -1
	}
	for j := from; j+len(sub) <= len(s); j++ {
		if s[j] == sub[0] && s[j:j+len(sub)] == sub {
			return j
		}
	}
	return -1
}
