package web

import (
	"html/template"
	"io"
	"strconv"
	"strings"
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
// escaped. language selects the tokenizer: kql, sigma (YAML), else a generic one.
func Highlight(language, src string, firstLine int) template.HTML {
	var toks []token
	switch language {
	case "kql":
		toks = lexKQL(src)
	case "sigma", "yaml":
		toks = lexYAML(src)
	default:
		if ws, ok := langWords[language]; ok {
			toks = lexWords(src, ws)
		} else {
			toks = lexGeneric(src)
		}
	}
	return render(src, toks, firstLine)
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

// kqlTabular are KQL's tabular operators and the keywords of statements.
var kqlTabular = wordSet(`where filter extend project project-away project-keep project-rename project-reorder summarize
join union lookup let distinct count take limit top top-nested top-hitters sort order by asc desc nulls first last
mv-expand mv-apply make-series parse parse-where parse-kv evaluate invoke render as on kind with datatable print range
find search sample sample-distinct serialize getschema externaldata materialize toscalar facet fork partition scan
reduce consume set declare pattern alias restrict access database cluster table step of from to`)

// kqlWordOps are KQL's word operators.
var kqlWordOps = wordSet(`and or not has has_cs !has !has_cs has_any has_all hasprefix hasprefix_cs hassuffix hassuffix_cs
contains contains_cs !contains !contains_cs startswith startswith_cs !startswith endswith endswith_cs !endswith
matches regex in !in in~ !in~ between !between has_any_cs`)

var kqlLiterals = wordSet(`true false null dynamic`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// lexKQL tokenizes KQL for highlighting. It never fails: anything it does not
// know is left plain.
func lexKQL(src string) []token {
	var toks []token
	n := len(src)
	for i := 0; i < n; {
		c := src[i]
		switch {
		case c == '/' && i+1 < n && src[i+1] == '/':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = n - i
			}
			toks = append(toks, token{i, i + j, hlComment})
			i += j
		case c == '`' && strings.HasPrefix(src[i:], "```"):
			j := strings.Index(src[i+3:], "```")
			end := n
			if j >= 0 {
				end = i + 3 + j + 3
			}
			toks = append(toks, token{i, end, hlString})
			i = end
		case c == '"' || c == '\'':
			end := scanQuoted(src, i, true)
			toks = append(toks, token{i, end, hlString})
			i = end
		case (c == '@' || c == 'h' || c == 'H') && i+1 < n && (src[i+1] == '"' || src[i+1] == '\'' || src[i+1] == '@'):
			j := i + 1
			verbatim := c == '@'
			if src[j] == '@' {
				verbatim = true
				j++
			}
			if j < n && (src[j] == '"' || src[j] == '\'') {
				end := scanQuoted(src, j, !verbatim)
				toks = append(toks, token{i, end, hlString})
				i = end
			} else {
				i++
			}
		case isDigit(c):
			j := i + 1
			for j < n && (isIdentChar(src[j]) || src[j] == '.' && j+1 < n && isDigit(src[j+1])) {
				j++
			}
			toks = append(toks, token{i, j, hlNumber})
			i = j
		case isIdentStart(c) || c == '!' && i+1 < n && isIdentStart(src[i+1]):
			j := i + 1
			for j < n && isIdentChar(src[j]) {
				j++
			}
			// Hyphenated operators: mv-expand, project-away, ...
			for j+1 < n && src[j] == '-' && isIdentStart(src[j+1]) {
				k := j + 1
				for k < n && isIdentChar(src[k]) {
					k++
				}
				if !kqlTabular[src[i:k]] {
					break
				}
				j = k
			}
			if j < n && src[j] == '~' && (src[i:j] == "in" || src[i:j] == "!in") {
				j++
			}
			w := src[i:j]
			k := j
			for k < n && (src[k] == ' ' || src[k] == '\t') {
				k++
			}
			switch {
			case kqlWordOps[w] || kqlWordOps[strings.ToLower(w)]:
				toks = append(toks, token{i, j, hlOperator})
			case kqlTabular[w]:
				toks = append(toks, token{i, j, hlKeyword})
			case kqlLiterals[w]:
				toks = append(toks, token{i, j, hlLiteral})
			case k < n && src[k] == '(' && c != '!':
				toks = append(toks, token{i, j, hlFunction})
			}
			i = j
		case c == '|':
			toks = append(toks, token{i, i + 1, hlPunct})
			i++
		case strings.ContainsRune("=!<>~", rune(c)):
			j := i + 1
			for j < n && j < i+2 && strings.ContainsRune("=~>", rune(src[j])) {
				j++
			}
			toks = append(toks, token{i, j, hlOperator})
			i = j
		default:
			i++
		}
	}
	return toks
}

// scanQuoted returns the end of the string literal that starts with the
// quote at i. With escapes, a backslash escapes the next byte; without, a
// doubled quote is a quote. An unterminated literal ends at the line's end.
func scanQuoted(src string, i int, escapes bool) int {
	q := src[i]
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == '\\' && escapes:
			j += 2
			continue
		case c == q:
			if !escapes && j+1 < len(src) && src[j+1] == q {
				j += 2
				continue
			}
			return j + 1
		case c == '\n':
			return j
		}
		j++
	}
	return len(src)
}

// sigmaConditionWords are the words of a Sigma condition.
var sigmaConditionWords = wordSet(`and or not of all them 1 near`)

// lexYAML tokenizes YAML (Sigma rules) for highlighting: keys, |modifiers,
// quoted and plain scalars, comments, and the words of a condition.
func lexYAML(src string) []token {
	var toks []token
	off := 0
	block := -1 // indentation of the key that opened a block scalar, -1 when none
	for off <= len(src) {
		end := strings.IndexByte(src[off:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += off
		}
		line := src[off:end]
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		trimmed := strings.TrimSpace(line)
		if block >= 0 {
			if trimmed == "" || indent > block {
				off = end + 1
				continue // inside a block scalar: plain text
			}
			block = -1
		}
		if strings.HasPrefix(trimmed, "#") {
			toks = append(toks, token{off + indent, end, hlComment})
			off = end + 1
			continue
		}
		i := off + indent
		if trimmed == "---" || trimmed == "..." {
			toks = append(toks, token{i, i + 3, hlPunct})
			off = end + 1
			continue
		}
		for i < end && src[i] == '-' && (i+1 == end || src[i+1] == ' ') {
			toks = append(toks, token{i, i + 1, hlPunct})
			i++
			for i < end && src[i] == ' ' {
				i++
			}
		}
		// A key: up to ': ' or ':' at the end of the line, outside quotes.
		keyEnd := -1
		if i < end && src[i] != '"' && src[i] != '\'' && src[i] != '[' && src[i] != '{' {
			for j := i; j < end; j++ {
				if src[j] == ':' && (j+1 == end || src[j+1] == ' ' || src[j+1] == '\t') {
					keyEnd = j
					break
				}
				if src[j] == ' ' && j+1 < end && src[j+1] == '#' {
					break
				}
			}
		}
		key := ""
		if keyEnd >= 0 {
			key = src[i:keyEnd]
			if p := strings.IndexByte(key, '|'); p >= 0 {
				toks = append(toks, token{i, i + p, hlKeyword})
				toks = append(toks, token{i + p, keyEnd, hlModifier})
			} else {
				toks = append(toks, token{i, keyEnd, hlKeyword})
			}
			i = keyEnd + 1
			for i < end && (src[i] == ' ' || src[i] == '\t') {
				i++
			}
		}
		// The value.
		if i < end {
			v := strings.TrimSpace(src[i:end])
			switch {
			case v == "|" || v == ">" || strings.HasPrefix(v, "|") && len(v) <= 3 || strings.HasPrefix(v, ">") && len(v) <= 3:
				block = indent
				if keyEnd < 0 {
					block = indent - 1
				}
				toks = append(toks, token{i, i + len(v), hlPunct})
			default:
				toks = append(toks, yamlValue(src, i, end, strings.TrimSpace(key) == "condition")...)
			}
		}
		if end >= len(src) {
			break
		}
		off = end + 1
	}
	return toks
}

// yamlValue tokenizes one flow value in src[i:end].
func yamlValue(src string, i, end int, condition bool) []token {
	var toks []token
	for i < end {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == ',' || c == '[' || c == ']' || c == '{' || c == '}':
			i++
		case c == '#' && (i == 0 || src[i-1] == ' '):
			toks = append(toks, token{i, end, hlComment})
			return toks
		case c == '\'' || c == '"':
			e := scanQuoted(src[:end], i, c == '"')
			toks = append(toks, token{i, e, hlString})
			i = e
		default:
			j := i
			if condition {
				for j < end && src[j] != ' ' && src[j] != '(' && src[j] != ')' {
					j++
				}
				if j == i {
					i++
					continue
				}
				w := src[i:j]
				switch {
				case sigmaConditionWords[strings.ToLower(w)]:
					toks = append(toks, token{i, j, hlOperator})
				default:
					toks = append(toks, token{i, j, hlFunction})
				}
				i = j
				continue
			}
			for j < end && !(src[j] == ' ' && j+1 < end && src[j+1] == '#') && src[j] != ',' && src[j] != ']' && src[j] != '}' {
				j++
			}
			w := strings.TrimRight(src[i:j], " ")
			class := hlString
			switch {
			case w == "true" || w == "false" || w == "null" || w == "~":
				class = hlLiteral
			case isNumber(w):
				class = hlNumber
			}
			if w != "" {
				toks = append(toks, token{i, i + len(w), class})
			}
			i = max(j, i+1)
		}
	}
	return toks
}

func isNumber(s string) bool {
	if s == "" || !(isDigit(s[0]) || s[0] == '-' || s[0] == '+' || s[0] == '.') {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

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
			end := scanQuoted(src, i, true)
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

// words are the keywords and word operators of a language the generic
// highlighter knows.
type words struct {
	keywords, operators map[string]bool
	foldCase            bool // keywords compare case-insensitively
	dollarVars          bool // $name is a variable (YARA-L)
	hashComments        bool // # starts a comment (SPL's are ``` ... ```; EQL's //)
}

// langWords holds the word lists of the languages with no tokenizer of their own.
var langWords = map[string]words{
	"spl": {keywords: wordSet(`search where eval stats tstats eventstats streamstats table fields rename rex regex lookup inputlookup
outputlookup dedup sort head tail top rare transaction bin bucket timechart chart join append appendpipe map makeresults
fillnull mvexpand spath convert from datamodel by as over output outputnew values count dc min max sum avg latest earliest
summariesonly allow_old_summaries nodename index sourcetype source host`), operators: wordSet(`AND OR NOT IN LIKE`), foldCase: true},
	"eql": {keywords: wordSet(`sequence sample by with maxspan until where any process file network registry library dns
runs of descendant child event`), operators: wordSet(`and or not in like regex : ~`), foldCase: true},
	"kuery":  {keywords: wordSet(``), operators: wordSet(`and or not`), foldCase: true},
	"lucene": {keywords: wordSet(``), operators: wordSet(`AND OR NOT TO`)},
	"esql": {keywords: wordSet(`from where eval stats keep drop rename sort limit by metadata dissect grok enrich mv_expand
inlinestats lookup`), operators: wordSet(`and or not in like rlike is null`), foldCase: true},
	"yaral": {keywords: wordSet(`rule meta events match outcome condition options over before after by and or not nocase re`),
		operators: wordSet(`and or not`), dollarVars: true},
}

// lexWords highlights strings, comments, numbers, the language's keywords
// and operators, function calls and, for YARA-L, $variables.
func lexWords(src string, ws words) []token {
	var toks []token
	n := len(src)
	for i := 0; i < n; {
		c := src[i]
		switch {
		case c == '/' && i+1 < n && src[i+1] == '/', ws.hashComments && c == '#':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = n - i
			}
			toks = append(toks, token{i, i + j, hlComment})
			i += j
		case c == '`' && strings.HasPrefix(src[i:], "```"):
			j := strings.Index(src[i+3:], "```")
			end := n
			if j >= 0 {
				end = i + 3 + j + 3
			}
			toks = append(toks, token{i, end, hlComment})
			i = end
		case c == '"' || c == '\'':
			end := scanQuoted(src, i, true)
			toks = append(toks, token{i, end, hlString})
			i = end
		case c == '$' && ws.dollarVars && i+1 < n && isIdentStart(src[i+1]):
			j := i + 1
			for j < n && isIdentChar(src[j]) {
				j++
			}
			toks = append(toks, token{i, j, hlModifier})
			i = j
		case isDigit(c) && (i == 0 || !isIdentChar(src[i-1])):
			j := i + 1
			for j < n && (isDigit(src[j]) || src[j] == '.') {
				j++
			}
			toks = append(toks, token{i, j, hlNumber})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < n && isIdentChar(src[j]) {
				j++
			}
			w := src[i:j]
			key := w
			if ws.foldCase {
				key = strings.ToLower(w)
			}
			k := j
			for k < n && src[k] == ' ' {
				k++
			}
			switch {
			case ws.operators[w] || ws.foldCase && ws.operators[key]:
				toks = append(toks, token{i, j, hlOperator})
			case ws.keywords[key]:
				toks = append(toks, token{i, j, hlKeyword})
			case k < n && src[k] == '(':
				toks = append(toks, token{i, j, hlFunction})
			}
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
