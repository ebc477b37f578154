package store

import (
	"html"

	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/rule"
)

// Snippets are made here rather than with FTS5's snippet(): over the corpus
// snippet() cost about 0.1-0.2 ms a hit (it tokenizes the whole column
// again), a tenth of a 20-hit page's budget; this costs some microseconds.

// Span is a half-open byte range [Start, End) of a snippet's text.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Snippet is a piece of a rule's text around a match, with the matches marked.
type Snippet struct {
	Text  string
	Marks []Span
}

// HTML returns the snippet HTML-escaped with its marks as <mark>…</mark>.
func (s Snippet) HTML() string {
	var b strings.Builder
	at := 0
	for _, m := range s.Marks {
		b.WriteString(html.EscapeString(s.Text[at:m.Start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(s.Text[m.Start:m.End]))
		b.WriteString("</mark>")
		at = m.End
	}
	b.WriteString(html.EscapeString(s.Text[at:]))
	return b.String()
}

func nonNilSpans(s []Span) []Span {
	if s == nil {
		return []Span{}
	}
	return s
}

// snippetWords returns the lower-cased words of a search to mark: each
// positive term's tokens, their parts, and a stem of each (so that
// "operations" marks "operation").
func snippetWords(q string) []snippetWord {
	var words []snippetWord
	seen := map[snippetWord]bool{}
	add := func(w string, prefix bool, rank int) {
		sw := snippetWord{w, prefix, rank}
		if len(w) >= 2 && !seen[sw] {
			seen[sw] = true
			words = append(words, sw)
		}
	}
	for _, t := range parseQuery(q) {
		if t.neg {
			continue
		}
		for _, tok := range tokens(t.text) {
			tok = strings.ToLower(tok)
			add(tok, t.prefix, 0)
			add(stem(tok), t.prefix, 1)
			for _, p := range parts(tok) {
				add(p, t.prefix, 1)
				add(stem(p), t.prefix, 1)
			}
		}
	}
	return words
}

// snippetWord is a word to mark; a prefix word marks any word it starts,
// another only itself with one of the endings of stem (or none).
type snippetWord struct {
	w      string
	prefix bool
	rank   int // 0 for a token of the search, 1 for its stem or a part: the snippet is cut around the best rank found
}

// endings are what may follow a word or its stem in a word that matches it.
var endings = map[string]bool{"": true, "s": true, "es": true, "ed": true, "d": true, "ing": true, "ings": true, "ion": true,
	"ions": true, "ation": true, "ations": true, "ies": true, "y": true, "e": true, "er": true, "ers": true}

// stem strips one common English ending, keeping at least four letters.
func stem(w string) string {
	for _, suf := range []string{"ations", "ation", "ings", "ing", "ions", "ion", "ies", "es", "ed", "s"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 4 {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

const (
	snippetBefore = 50  // bytes of context before the first match
	snippetLen    = 200 // bytes of a snippet, about
)

// snippetOf returns the snippet of the text that holds the best-ranked word
// of words (the first such text), at the start of a word: the text's
// whitespace flattened, cut around that word's first match, every match of
// every word in it marked. With no match, it is the
// start of the first non-empty text, unmarked.
func snippetOf(words []snippetWord, ks *keySet, texts ...string) Snippet {
	// The text with the best-ranked match wins, the earlier text on a tie.
	var best struct {
		flat, low   string
		first, rank int
	}
	best.rank = 2
	// A text none of whose words holds one (ks, wordKeys(words): a word has
	// no white space) is not flattened to be looked at: most of a hit's
	// texts.
	for _, t := range texts {
		if t == "" || best.rank == 0 || !ks.mayHold(t) {
			continue
		}
		flat := flatten(t)
		low := lowerSameLength(flat)
		first, rank := -1, 2
		for _, w := range words {
			if i, _ := indexWord(low, w, 0); i >= 0 && (w.rank < rank || w.rank == rank && i < first) {
				first, rank = i, w.rank
			}
		}
		if first >= 0 && rank < best.rank {
			best.flat, best.low, best.first, best.rank = flat, low, first, rank
		}
	}
	if best.rank < 2 {
		flat, first := best.flat, best.first
		from := max(0, first-snippetBefore)
		if from > 0 {
			if sp := strings.IndexByte(flat[from:first], ' '); sp >= 0 {
				from += sp + 1
			}
		}
		to := min(len(flat), from+snippetLen)
		if to < len(flat) {
			if sp := strings.LastIndexByte(flat[first:to], ' '); sp > 0 {
				to = first + sp
			}
		}
		from, to = runeStart(flat, from), runeStart(flat, to)
		return markedSnippet(flat, best.low, from, to, words)
	}
	for _, t := range texts {
		if flat := flatten(t); flat != "" {
			to := runeStart(flat, min(len(flat), snippetLen))
			s := Snippet{Text: flat[:to]}
			if to < len(flat) {
				s.Text += "…"
			}
			return s
		}
	}
	return Snippet{}
}

// markedSnippet cuts flat[from:to], marking every word of words in it.
func markedSnippet(flat, low string, from, to int, words []snippetWord) Snippet {
	marked := make([]bool, to-from)
	for _, w := range words {
		for i := from; ; {
			j, end := indexWord(low[:to], w, i)
			if j < 0 {
				break
			}
			for k := j; k < end; k++ {
				marked[k-from] = true
			}
			i = end
		}
	}
	var s Snippet
	prefix := ""
	if from > 0 {
		prefix = "…"
	}
	s.Text = prefix + flat[from:to]
	off := len(prefix) - from
	for i := from; i < to; {
		if !marked[i-from] {
			i++
			continue
		}
		j := i
		for j < to && marked[j-from] {
			j++
		}
		s.Marks = append(s.Marks, Span{Start: i + off, End: j + off})
		i = j
	}
	if to < len(flat) {
		s.Text += "…"
	}
	return s
}

// indexWord returns the first match of w in s at or after from: w where a
// word starts (s begins there, or no letter or digit precedes it), followed
// by the end of the word or, for a prefix word, anything, else one of
// endings. It returns the match's start and the end of the word, or -1.
func indexWord(s string, w snippetWord, from int) (int, int) {
	for from <= len(s)-len(w.w) {
		j := strings.Index(s[from:], w.w)
		if j < 0 {
			return -1, -1
		}
		j += from
		from = j + 1
		if j > 0 {
			if r, _ := utf8.DecodeLastRuneInString(s[:j]); isWordRune(r) {
				continue
			}
		}
		end := j + len(w.w)
		for end < len(s) {
			r, n := utf8.DecodeRuneInString(s[end:])
			if !isWordRune(r) {
				break
			}
			end += n
		}
		if w.prefix || endings[s[j+len(w.w):end]] {
			return j, end
		}
	}
	return -1, -1
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// lowerSameLength lower-cases the ASCII letters of s and every other rune
// whose lower case has the same length, so that offsets stay aligned.
func lowerSameLength(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if l := unicode.ToLower(r); l != r && utf8.RuneLen(l) == n {
			utf8.EncodeRune(b[i:], l)
		}
		i += n
	}
	return string(b)
}

// flatten returns s with its runs of white space (unicode.IsSpace) made
// one space and none at either end: strings.Join(strings.Fields(s), " ")
// in one pass, s itself when it is so already.
func flatten(s string) string {
	var b []byte
	sp, start := false, true // a space is due; nothing written yet
	for i := 0; i < len(s); {
		c, w := rune(s[i]), 1
		if c >= utf8.RuneSelf {
			c, w = utf8.DecodeRuneInString(s[i:])
		}
		if unicode.IsSpace(c) {
			// One ' ' between two ASCII letters of the text is kept as it is.
			kept := !start && c == ' ' && i+1 < len(s) && s[i+1] < utf8.RuneSelf && !unicode.IsSpace(rune(s[i+1]))
			if b == nil && !kept {
				b = make([]byte, 0, len(s))
				b = append(b, strings.TrimRightFunc(s[:i], unicode.IsSpace)...)
			}
			sp = !start
			i += w
			continue
		}
		if b != nil {
			if sp && len(b) > 0 {
				b = append(b, ' ')
			}
			b = append(b, s[i:i+w]...)
		}
		sp, start = false, false
		i += w
	}
	if b == nil {
		return s
	}
	return string(b)
}

// wordKeys is the keySet of words, made once a search for snippetOf.
func wordKeys(words []snippetWord) *keySet {
	keys := make([]string, len(words))
	for i, w := range words {
		keys[i] = w.w
	}
	return newKeySet(keys)
}

// runeStart moves i back to the start of the rune it is in.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// blurbLen is the length of a blurb in bytes, about.
const blurbLen = 200

// blurbOf returns the start of r's description, else of its query: what a
// listing without search text shows of a rule (whole UTF-8 characters, "…"
// where it is cut).
func blurbOf(r *rule.Rule) string {
	text := r.Description
	if strings.TrimSpace(text) == "" {
		text = r.Query
	}
	if len(text) <= blurbLen {
		return text
	}
	end := blurbLen
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	if end == len(text) {
		return text
	}
	return text[:end] + "…"
}
