package store

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isTokenChar tells whether c belongs to a search token: letters and digits
// (as FTS5's unicode61 sees them) and the tokenchars '.', '/', '_', '-'.
func isTokenChar(c rune) bool {
	return unicode.IsLetter(c) || unicode.IsDigit(c) || c == '.' || c == '/' || c == '_' || c == '-' || unicode.Is(unicode.Mn, c)
}

func isSeparator(c rune) bool { return c == '.' || c == '/' || c == '_' || c == '-' }

// tokens returns the search tokens of s, as the FTS5 tokenizer splits it.
func tokens(s string) []string {
	ts := strings.FieldsFunc(s, func(c rune) bool { return !isTokenChar(c) })
	out := ts[:0]
	for _, t := range ts {
		if !onlySeparators(t) {
			out = append(out, t)
		}
	}
	return out
}

func onlySeparators(s string) bool {
	for _, c := range s {
		if !isSeparator(c) {
			return false
		}
	}
	return true
}

// parts returns the pieces of a token split at '.', '/', '_' and '-'; nil when
// the token has no separator or is one piece.
func parts(tok string) []string {
	if !strings.ContainsFunc(tok, isSeparator) {
		return nil
	}
	ps := strings.FieldsFunc(tok, isSeparator)
	if len(ps) == 1 && ps[0] == tok {
		return nil
	}
	return ps
}

// partsText returns the parts of every compound token of the texts, one
// token's parts on a line, so that a word inside
// Microsoft.Compute/virtualMachines/runCommand/action is found alone.
//
// It is tokens and parts in one pass over the texts (a build makes it for
// every rule: splitting every text into tokens, then each token into parts,
// was a tenth of a build's writing).
func partsText(texts ...string) string {
	var b strings.Builder
	seen := seenSet()
	defer seenDone(seen)
	var lower []byte
	for _, s := range texts {
		for i := 0; i < len(s); {
			// A token: the longest run of token characters from i.
			start, seps, end := i, 0, i
			for end < len(s) {
				c, size := rune(s[end]), 1
				if c >= utf8.RuneSelf {
					c, size = utf8.DecodeRuneInString(s[end:])
					if !isTokenChar(c) {
						break
					}
				} else if !asciiToken[c] {
					break
				} else if isSeparator(c) {
					seps++
				}
				end += size
			}
			if end == start { // not a token character: skip it
				_, size := utf8.DecodeRuneInString(s[i:])
				i += size
				continue
			}
			i = end
			tok := s[start:end]
			if seps == 0 || seps == len(tok) { // one piece, or no token (only separators)
				continue
			}
			lower = appendLower(lower[:0], tok)
			if seen[string(lower)] {
				continue
			}
			seen[string(lower)] = true
			first := true
			for p := range strings.FieldsFuncSeq(tok, isSeparator) {
				if !first {
					b.WriteByte(' ')
				}
				first = false
				b.WriteString(p)
			}
			b.WriteString(" \n")
		}
	}
	return b.String()
}

// asciiToken tells isTokenChar of each ASCII character.
var asciiToken = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = isTokenChar(rune(c))
	}
	return t
}()

// appendLower appends strings.ToLower(s) to b.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			return append(b, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// searchColumns are the columns a query may name as column:term.
var searchColumns = map[string]string{
	"title": "title", "description": "description", "query": "query", "fields": "fields", "field": "fields",
	"values": "vals", "value": "vals", "vals": "vals", "meta": "meta",
}

// term is one term of a user's query.
type term struct {
	text   string // the words, unquoted
	phrase bool   // quoted
	prefix bool   // ends in *
	neg    bool   // starts with -
	or     bool   // joined to the previous term by OR
	column string // search column, "" for all
}

// parseQuery splits a user's query into terms: words, "quoted phrases",
// -negations, word* prefixes, OR between terms and column:term. A quote
// left open takes the rest of the query as its phrase (CheckQuery says so).
func parseQuery(q string) []term {
	ts, _ := parseQueryOpen(q)
	return ts
}

// parseQueryOpen is parseQuery that also returns the offset of a quote
// left open, -1 for none.
func parseQueryOpen(q string) ([]term, int) {
	open := -1
	var ts []term
	or := false
	for i := 0; i < len(q); {
		start := i
		c := q[i]
		if isSpace(c) {
			i++
			continue
		}
		t := term{or: or}
		or = false
		if c == '-' && i+1 < len(q) && !isSpace(q[i+1]) {
			t.neg = true
			i++
		}
		// column:
		if j := strings.IndexAny(q[i:], ": \t\""); j > 0 && q[i+j] == ':' {
			if col, ok := searchColumns[strings.ToLower(q[i:i+j])]; ok {
				t.column = col
				i += j + 1
			}
		}
		if i < len(q) && q[i] == '"' {
			end := strings.IndexByte(q[i+1:], '"')
			if end < 0 {
				open = i
				t.text, i = q[i+1:], len(q)
			} else {
				t.text, i = q[i+1:i+1+end], i+2+end
			}
			t.phrase = true
		} else {
			end := strings.IndexAny(q[i:], " \t\r\n")
			if end < 0 {
				end = len(q) - i
			}
			t.text, i = q[i:i+end], i+end
		}
		if i < len(q) && q[i] == '*' {
			i++
			t.prefix = true
		}
		if i == start {
			i++ // never stall
		}
		if strings.HasSuffix(t.text, "*") && !t.phrase {
			t.text, t.prefix = strings.TrimRight(t.text, "*"), true
		}
		if !t.phrase && !t.neg && t.column == "" && t.text == "OR" {
			or = len(ts) > 0
			continue
		}
		if len(tokens(t.text)) == 0 {
			continue
		}
		ts = append(ts, t)
	}
	return ts, open
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// quote returns s as an FTS5 string.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// ftsTerm returns the FTS5 expression of one term. A token with separators
// matches as the whole token, or as its parts in a row in the parts column.
func ftsTerm(t term) string {
	toks := tokens(t.text)
	star := ""
	if t.prefix {
		star = "*"
	}
	var whole string
	if len(toks) == 1 {
		whole = quote(toks[0]) + star
	} else {
		whole = quote(strings.Join(toks, " ")) + star
	}
	var split []string
	for _, tok := range toks {
		if ps := parts(tok); ps != nil {
			split = append(split, ps...)
		} else {
			split = append(split, tok)
		}
	}
	col := ""
	if t.column != "" {
		col = t.column + " : "
	}
	if len(split) == len(toks) || t.column != "" && t.column != "query" && t.column != "vals" && t.column != "fields" {
		return col + whole
	}
	// The parts of the metadata's compound tokens are in its own column
	// (searchDocOf), the others' in the parts column.
	partsCols := "parts"
	if t.column == "" {
		partsCols = "{meta parts}"
	}
	return "(" + col + whole + " OR " + partsCols + " : " + quote(strings.Join(split, " ")) + star + ")"
}

// ftsQuery returns the FTS5 MATCH expression of a user's query: positive
// terms ANDed (or ORed where the user said OR), then NOT each negative one.
// It returns "" when the query has no positive term; neg holds the negative
// terms' expression, ORed, for use when there is no positive term.
func ftsQuery(q string) (pos, neg string) {
	var b, nb strings.Builder
	for _, t := range parseQuery(q) {
		e := ftsTerm(t)
		if t.neg {
			if nb.Len() > 0 {
				nb.WriteString(" OR ")
			}
			nb.WriteString(e)
			continue
		}
		if b.Len() > 0 {
			if t.or {
				b.WriteString(" OR ")
			} else {
				b.WriteString(" AND ")
			}
		}
		b.WriteString(e)
	}
	return b.String(), nb.String()
}
