package web

import (
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
)

// Token classes of the highlighter, used as CSS classes.
const (
	hlComment  = "c"
	hlString   = "s"
	hlNumber   = "n"
	hlKeyword  = "k" // tabular operator, YAML key
	hlOperator = "o" // string and logical operators, Sigma condition words
	hlFunction = "f"
	hlPunct    = "p" // the pipe
	hlModifier = "m" // Sigma |modifier
	hlLiteral  = "b" // true, false, null
)

// token is a highlighted range of the source.
type token struct {
	start, end int
	class      string
}

// Highlight returns src as HTML: every line in a <span class="l" id="L{n}">
// (n counting from firstLine), tokens in <span class="…">, every character
// escaped. The tokens are those of the language's own lexer (package lang's
// registry); a language with none gets strings, comments and numbers.
func Highlight(language, src string, firstLine int) template.HTML {
	var toks []token
	if l := lang.Get(language); l != nil && l.Highlight != nil {
		lt := l.Highlight(src)
		toks = make([]token, 0, len(lt))
		for _, t := range lt {
			if c := classOf[t.Class]; c != "" {
				toks = append(toks, token{t.Start, t.End, c})
			}
		}
	} else {
		toks = lexGeneric(src)
	}
	return render(src, toks, firstLine)
}

// classOf is the CSS class of each token class.
var classOf = [...]string{
	lang.Comment:  hlComment,
	lang.String:   hlString,
	lang.Number:   hlNumber,
	lang.Keyword:  hlKeyword,
	lang.Operator: hlOperator,
	lang.Function: hlFunction,
	lang.Punct:    hlPunct,
	lang.Modifier: hlModifier,
	lang.Literal:  hlLiteral,
}

func render(src string, toks []token, firstLine int) template.HTML {
	var b strings.Builder
	b.Grow(len(src) * 2)
	line := firstLine
	if line < 1 {
		line = 1
	}
	openLine := func() {
		n := strconv.Itoa(line)
		b.WriteString(`<span class="l" id="L`)
		b.WriteString(n)
		b.WriteString(`" data-n="`)
		b.WriteString(n)
		b.WriteString(`">`)
	}
	openLine()
	// write emits text in class, closing and reopening spans at line ends.
	write := func(text, class string) {
		for {
			nl := strings.IndexByte(text, '\n')
			part := text
			if nl >= 0 {
				part = text[:nl]
			}
			if part != "" {
				if class != "" {
					b.WriteString(`<span class="`)
					b.WriteString(class)
					b.WriteString(`">`)
				}
				escapeTo(&b, part)
				if class != "" {
					b.WriteString(`</span>`)
				}
			}
			if nl < 0 {
				return
			}
			b.WriteString("</span>\n")
			line++
			openLine()
			text = text[nl+1:]
		}
	}
	pos := 0
	for _, t := range toks {
		if t.start < pos || t.end > len(src) || t.start >= t.end {
			continue
		}
		write(src[pos:t.start], "")
		write(src[t.start:t.end], t.class)
		pos = t.end
	}
	write(src[pos:], "")
	b.WriteString("</span>")
	return template.HTML(b.String())
}

// escapeTo writes s to b (a strings.Builder or a bytes.Buffer) escaped for
// HTML text and attribute values.
func escapeTo(b io.StringWriter, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case 0:
			esc = "\uFFFD"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lexGeneric highlights strings, comments (# and //) and numbers of any language.
func lexGeneric(src string) []token {
	var toks []token
	n := len(src)
	for i := 0; i < n; {
		c := src[i]
		switch {
		case c == '/' && i+1 < n && src[i+1] == '/', c == '#' && (i == 0 || src[i-1] == '\n' || src[i-1] == ' '):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = n - i
			}
			toks = append(toks, token{i, i + j, hlComment})
			i += j
		case c == '"' || c == '\'':
			end := lang.ScanQuoted(src, i, true)
			toks = append(toks, token{i, end, hlString})
			i = end
		case isDigit(c) && (i == 0 || !isIdentChar(src[i-1])):
			j := i + 1
			for j < n && (isDigit(src[j]) || src[j] == '.') {
				j++
			}
			toks = append(toks, token{i, j, hlNumber})
			i = j
		case c == '|':
			toks = append(toks, token{i, i + 1, hlPunct})
			i++
		default:
			i++
		}
	}
	return toks
}
