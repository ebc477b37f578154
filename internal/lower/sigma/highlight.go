package lowersigma

import (
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/lang/sigma"
)

// Highlight returns the tokens of a Sigma document (YAML): keys, |modifiers,
// quoted and plain scalars, comments, and the words of a condition (by the
// condition lexer's keywords).
func Highlight(src string) []lang.Token {
	var toks []lang.Token
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
			toks = append(toks, tok(off+indent, end, lang.Comment))
			off = end + 1
			continue
		}
		i := off + indent
		if trimmed == "---" || trimmed == "..." {
			toks = append(toks, tok(i, i+3, lang.Punct))
			off = end + 1
			continue
		}
		for i < end && src[i] == '-' && (i+1 == end || src[i+1] == ' ') {
			toks = append(toks, tok(i, i+1, lang.Punct))
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
				toks = append(toks, tok(i, i+p, lang.Keyword))
				toks = append(toks, tok(i+p, keyEnd, lang.Modifier))
			} else {
				toks = append(toks, tok(i, keyEnd, lang.Keyword))
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
				toks = append(toks, tok(i, i+len(v), lang.Punct))
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
func yamlValue(src string, i, end int, condition bool) []lang.Token {
	var toks []lang.Token
	for i < end {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == ',' || c == '[' || c == ']' || c == '{' || c == '}':
			i++
		case c == '#' && (i == 0 || src[i-1] == ' '):
			toks = append(toks, tok(i, end, lang.Comment))
			return toks
		case c == '\'' || c == '"':
			e := lang.ScanQuoted(src[:end], i, c == '"')
			toks = append(toks, tok(i, e, lang.String))
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
				case sigma.IsConditionKeyword(w) || w == "1":
					toks = append(toks, tok(i, j, lang.Operator))
				default:
					toks = append(toks, tok(i, j, lang.Function))
				}
				i = j
				continue
			}
			for j < end && !(src[j] == ' ' && j+1 < end && src[j+1] == '#') && src[j] != ',' && src[j] != ']' && src[j] != '}' {
				j++
			}
			w := strings.TrimRight(src[i:j], " ")
			class := lang.String
			switch {
			case w == "true" || w == "false" || w == "null" || w == "~":
				class = lang.Literal
			case isYAMLNumber(w):
				class = lang.Number
			}
			if w != "" {
				toks = append(toks, tok(i, i+len(w), class))
			}
			i = max(j, i+1)
		}
	}
	return toks
}

func isYAMLNumber(s string) bool {
	if s == "" || !('0' <= s[0] && s[0] <= '9' || s[0] == '-' || s[0] == '+' || s[0] == '.') {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func tok(start, end int, class lang.TokenClass) lang.Token {
	return lang.Token{Start: start, End: end, Class: class}
}
