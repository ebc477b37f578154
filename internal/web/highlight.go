package web

import (
	"html/template"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/store"
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

// Highlight returns src as HTML: every line in a <span class="l" id="L{n}">
// (n counting from firstLine), tokens in <span class="…">, every character
// escaped. The tokens are those of the language's own lexer (package lang's
// registry); a language with none gets strings, comments and numbers.
func Highlight(language, src string, firstLine int) template.HTML {
	var b strings.Builder
	b.Grow(highlightSize(src))
	highlightTo(&b, language, src, firstLine)
	return template.HTML(b.String())
}

// highlightSize guesses the bytes of src highlighted: its own, a line's
// span (some 40 bytes) for each line and a token's (some 25) for every
// eight bytes.
func highlightSize(src string) int {
	return len(src) + 40*(strings.Count(src, "\n")+1) + 25*len(src)/8
}

// highlightTo writes what Highlight returns to b: the rule page writes it
// straight into the page rather than building it apart and copying it.
func highlightTo(b htmlWriter, language, src string, firstLine int) {
	var toks []lang.Token
	if l := lang.Get(language); l != nil && l.Highlight != nil {
		toks = l.Highlight(src)
	} else {
		toks = lexGeneric(src)
	}
	render(b, src, toks, firstLine)
}

// highlightStoredTo is highlightTo with the tokens the catalog made of src
// when it was built (store.BodyTokens), when it has them: the page then
// runs no highlighter (the KQL one parses the query).
func highlightStoredTo(b htmlWriter, language, src string, firstLine int, stored store.BodyTokens) {
	if stored != "" {
		buf := tokenBufs.Get().(*[]lang.Token)
		defer tokenBufs.Put(buf)
		toks, ok := stored.Decode((*buf)[:0])
		*buf = toks[:0]
		if ok {
			render(b, src, toks, firstLine)
			return
		}
	}
	highlightTo(b, language, src, firstLine)
}

// tokenBufs hold the tokens highlightStoredTo decodes.
var tokenBufs = sync.Pool{New: func() any { return new([]lang.Token) }}

// htmlWriter is where HTML is written: a strings.Builder or a bytes.Buffer.
type htmlWriter interface {
	io.Writer
	io.StringWriter
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

// class is the CSS class of a token class ("" for plain text).
func class(c lang.TokenClass) string {
	if int(c) < len(classOf) {
		return classOf[c]
	}
	return ""
}

func render(b htmlWriter, src string, toks []lang.Token, firstLine int) {
	line := firstLine
	if line < 1 {
		line = 1
	}
	var num [20]byte
	openLine := func() {
		n := strconv.AppendInt(num[:0], int64(line), 10)
		b.WriteString(`<span class="l" id="L`)
		b.Write(n)
		b.WriteString(`" data-n="`)
		b.Write(n)
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
				escapeTo(b, part)
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
		c := class(t.Class)
		if c == "" || t.Start < pos || t.End > len(src) || t.Start >= t.End {
			continue
		}
		write(src[pos:t.Start], "")
		write(src[t.Start:t.End], c)
		pos = t.End
	}
	write(src[pos:], "")
	b.WriteString("</span>")
}

// escapeTo writes s to b (a strings.Builder or a bytes.Buffer) escaped for
// HTML text and attribute values.
func escapeTo(b io.StringWriter, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		// One load and one branch a byte (a switch over the six bytes
		// took a seventh of a rule page's making).
		if !htmlSpecial[s[i]] {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(htmlEscapes[s[i]])
		last = i + 1
	}
	b.WriteString(s[last:])
}

// htmlEscapes are what escapeTo writes for each byte it escapes;
// htmlSpecial tells those bytes.
var (
	htmlEscapes = [256]string{'<': "&lt;", '>': "&gt;", '&': "&amp;", '"': "&#34;", '\'': "&#39;", 0: "\uFFFD"}
	htmlSpecial = func() (t [256]bool) {
		for c, e := range htmlEscapes {
			t[c] = e != ""
		}
		return t
	}()
)

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lexGeneric highlights strings, comments (# and //) and numbers of any language.
func lexGeneric(src string) []lang.Token {
	var toks []lang.Token
	n := len(src)
	for i := 0; i < n; {
		c := src[i]
		switch {
		case c == '/' && i+1 < n && src[i+1] == '/', c == '#' && (i == 0 || src[i-1] == '\n' || src[i-1] == ' '):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = n - i
			}
			toks = append(toks, lang.Token{Start: i, End: i + j, Class: lang.Comment})
			i += j
		case c == '"' || c == '\'':
			end := lang.ScanQuoted(src, i, true)
			toks = append(toks, lang.Token{Start: i, End: end, Class: lang.String})
			i = end
		case isDigit(c) && (i == 0 || !isIdentChar(src[i-1])):
			j := i + 1
			for j < n && (isDigit(src[j]) || src[j] == '.') {
				j++
			}
			toks = append(toks, lang.Token{Start: i, End: j, Class: lang.Number})
			i = j
		case c == '|':
			toks = append(toks, lang.Token{Start: i, End: i + 1, Class: lang.Punct})
			i++
		default:
			i++
		}
	}
	return toks
}
