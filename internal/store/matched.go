package store

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/vocab"
)

// The columns of the search table, as SearchColumns names them.
const (
	colTitle = iota
	colDescription
	colQuery
	colFields
	colVals
	colMeta
	colParts
	numSearchColumns
)

// Why a rule matched: the names of the places of a rule a search looks in,
// in the order a hit lists them (Hit.Matched).
const (
	MatchTitle       = "title"
	MatchDescription = "description"
	MatchQuery       = "query"
	MatchIndicator   = "indicator" // a predicate's field or value, or a spelling of its field in the vocabulary
	MatchField       = "field"     // a field named otherwise (outputs, grouping, entity mappings, parameters)
	MatchEvent       = "event"
	MatchAction      = "action"
	MatchTable       = "table"
	MatchTechnique   = "technique"
	MatchTactic      = "tactic"
	MatchTag         = "tag"
	MatchAuthor      = "author"
	MatchSource      = "source"   // repository and path
	MatchMetadata    = "metadata" // id, platform, product, language, kind, status, severity, data connectors
)

var matchOrder = [...]string{MatchTitle, MatchDescription, MatchQuery, MatchIndicator, MatchField, MatchEvent, MatchAction,
	MatchTable, MatchTechnique, MatchTactic, MatchTag, MatchAuthor, MatchSource, MatchMetadata}

// matchLabels numbers the Match names by their place in matchOrder.
var matchLabels = func() map[string]int {
	m := make(map[string]int, len(matchOrder))
	for i, l := range matchOrder {
		m[l] = i
	}
	return m
}()

// searchPiece is one text of a rule that search reads: its column in the
// search table and what it is (one of the Match names).
type searchPiece struct {
	col     int
	label   string
	text    string
	noParts bool // its compound tokens are not split into parts (the vocabulary's spellings)
}

// eachSearchPiece calls f with every text of r that search reads, with its
// column and place: what the search table indexes (searchDocOf) and what a
// hit says it matched (matchedIn) are the same list.
func eachSearchPiece(r *rule.Rule, f func(searchPiece)) {
	add := func(col int, label string, texts ...string) {
		for _, t := range texts {
			if t != "" {
				f(searchPiece{col: col, label: label, text: t})
			}
		}
	}
	add(colTitle, MatchTitle, r.Title)
	add(colDescription, MatchDescription, r.Description)
	add(colQuery, MatchQuery, r.Query)
	add(colFields, MatchField, r.Keywords...)
	add(colFields, MatchField, r.GroupBy...)
	for _, o := range r.Outputs {
		add(colFields, MatchField, o.Name)
	}
	for _, p := range r.Params {
		add(colFields, MatchField, p.Name)
		add(colVals, MatchField, p.Value)
	}
	for _, e := range r.EntityMappings {
		add(colFields, MatchField, e.Column)
	}
	var walk func([]rule.Stage)
	walk = func(ss []rule.Stage) {
		for _, s := range ss {
			for _, p := range s.Predicates {
				add(colFields, MatchIndicator, p.Field)
				add(colVals, MatchIndicator, p.Values...)
			}
			walk(s.Stages)
		}
	}
	walk(r.Stages)
	// Every platform's spelling of the fields the rule's indicators test
	// (through the common vocabulary): a search for CommandLine,
	// ProcessCommandLine or process.command_line finds the rules of each
	// platform that test a process's command line. Whole names only: their
	// parts (target, file, path...) would find rules that name none of them.
	v := vocab.Default()
	var canon []string
	for _, c := range r.Canonical {
		if !slices.Contains(canon, c.Field) {
			canon = append(canon, c.Field)
		}
	}
	for _, c := range canon {
		for _, s := range v.Spellings(c) {
			f(searchPiece{col: colFields, label: MatchIndicator, text: s, noParts: true})
		}
	}
	for _, e := range r.Events {
		add(colVals, MatchEvent, e.Event, e.Provider, e.Title)
	}
	add(colVals, MatchAction, r.Actions...)
	add(colMeta, MatchMetadata, r.ID, r.Platform, r.Product, r.Language, r.Kind, r.Status, r.Severity)
	add(colMeta, MatchSource, r.Source.Repo, r.Source.Path)
	add(colMeta, MatchMetadata, r.Variant)
	add(colMeta, MatchTable, r.Tables...)
	add(colMeta, MatchTactic, r.Tactics...)
	for _, t := range r.Techniques {
		add(colMeta, MatchTechnique, t.ID, t.Name)
		add(colMeta, MatchTactic, t.Tactic)
	}
	add(colMeta, MatchTag, r.Tags...)
	add(colMeta, MatchAuthor, r.Authors...)
	add(colMeta, MatchMetadata, r.DataConnectors...)
}

// matcher is a search text's positive terms, as matchedIn looks for them
// in each hit: made once a search.
type matcher struct {
	terms []matchTerm
	keys  *keySet // termKeys(terms)
}

func newMatcher(text string) *matcher {
	ts := matchTerms(text)
	return &matcher{terms: ts, keys: newKeySet(termKeys(ts))}
}

// matchedIn returns the places of r where a positive term of the search
// text matches (in matchOrder): each term as the search table matches it,
// its tokens in a row, whole or (for a token with separators) as its parts,
// a word's common endings aside (stem), the last token as a prefix for
// word*. A term restricted to a column (title:word) looks in that column's
// places only.
//
// query, when not "", is the part of the rule's query text that holds its
// logic (a language's SnippetText: a Sigma rule's detection, not the whole
// document, whose title would say "query" for every title).
func (m *matcher) matchedIn(r *rule.Rule, query string) []string {
	out := []string{}
	if len(m.terms) == 0 {
		return out
	}
	var found [len(matchOrder)]bool
	eachSearchPiece(r, func(p searchPiece) {
		if p.label == MatchQuery && query != "" {
			p.text = query
		}
		l := matchLabels[p.label]
		if found[l] || !anyTermIn(m.terms, p.col) || !m.keys.mayHold(p.text) {
			return
		}
		low := strings.ToLower(p.text)
		for _, t := range m.terms {
			if (t.column == "" || t.column == SearchColumns[p.col]) && t.in(low, !p.noParts) {
				found[l] = true
				return
			}
		}
	})
	for i, l := range matchOrder {
		if found[i] {
			out = append(out, l)
		}
	}
	return out
}

// anyTermIn tells whether a term looks in the search table's column col.
func anyTermIn(ts []matchTerm, col int) bool {
	for _, t := range ts {
		if t.column == "" || t.column == SearchColumns[col] {
			return true
		}
	}
	return false
}

// termKeys returns what matchTerm.inRuns looks for first in a text, for
// every term: the first letters of its first token and of its first part.
func termKeys(ts []matchTerm) []string {
	var keys []string
	for _, t := range ts {
		for _, w := range [2][]string{t.whole, t.split} {
			if len(w) == 0 {
				continue
			}
			k := w[0]
			if len(k) > 3 {
				k = k[:3]
			}
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// keySet is what a text is looked through for before it is lower-cased
// (matchedIn, snippetOf): lower-case keys, and the bytes they start with
// in either case.
type keySet struct {
	keys  []string
	first [256]bool
	all   bool // a key is empty or not ASCII: every text may hold one
}

func newKeySet(keys []string) *keySet {
	ks := &keySet{keys: keys}
	for _, k := range keys {
		if k == "" || !catalog.ASCII(k) {
			ks.all = true
			continue
		}
		c := k[0]
		ks.first[c] = true
		if 'a' <= c && c <= 'z' {
			ks.first[c-'a'+'A'] = true
		}
	}
	return ks
}

// mayHold tells whether strings.ToLower(s) may hold one of the keys,
// without making it: false only when s is ASCII (of which ToLower changes
// A-Z alone) and no key is in it in any case. A search reads every text of
// its page's hits; most hold no term.
func (ks *keySet) mayHold(s string) bool {
	if ks.all {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return true
		}
		if !ks.first[c] {
			continue
		}
		for _, k := range ks.keys {
			if i+len(k) <= len(s) && asciiFoldHasPrefix(s[i:], k) {
				return true
			}
		}
	}
	return false
}

// asciiFoldHasPrefix tells whether s starts with k (ASCII lower case) in
// any ASCII case; a byte outside ASCII is never equal.
func asciiFoldHasPrefix(s, k string) bool {
	for j := 0; j < len(k); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != k[j] {
			return false
		}
	}
	return true
}

// matchTerm is a positive term of a search, as matchedIn looks for it.
type matchTerm struct {
	column       string
	whole, split []string // its tokens, lower-cased, whole and split into parts
	prefix       bool
}

func matchTerms(text string) []matchTerm {
	var out []matchTerm
	for _, t := range parseQuery(text) {
		if t.neg {
			continue
		}
		mt := matchTerm{column: t.column, prefix: t.prefix}
		for _, tok := range tokens(strings.ToLower(t.text)) {
			mt.whole = append(mt.whole, tok)
			if ps := parts(tok); ps != nil {
				mt.split = append(mt.split, ps...)
			} else {
				mt.split = append(mt.split, tok)
			}
		}
		if len(mt.split) == 0 {
			continue
		}
		out = append(out, mt)
	}
	return out
}

// in tells whether the term is in the lower-cased text: its tokens in a
// row from where a token starts, or, with parts, its parts in a row from
// where a part starts. Only the places that hold the first token's (or
// part's) first letters are read: a long query is not split whole.
func (t matchTerm) in(low string, withParts bool) bool {
	return t.inRuns(low, t.whole, true) || withParts && t.inRuns(low, t.split, false)
}

func (t matchTerm) inRuns(low string, want []string, whole bool) bool {
	key := want[0]
	if len(key) > 3 {
		key = key[:3]
	}
	for from := 0; ; {
		j := strings.Index(low[from:], key)
		if j < 0 {
			return false
		}
		i := from + j
		from = i + 1
		if i > 0 {
			// A run starts at a token's start (or, of parts, after a separator).
			if prev, _ := utf8.DecodeLastRuneInString(low[:i]); isTokenChar(prev) && (whole || !isSeparator(prev)) {
				continue
			}
		}
		if sameRun(runsFrom(low, i, len(want), whole), want, t.prefix) {
			return true
		}
	}
}

// runsFrom returns up to n runs of s from i on: tokens (runs of token
// characters, as tokens splits them) when whole is set, else parts (runs
// of token characters other than separators).
func runsFrom(s string, i, n int, whole bool) []string {
	in := func(c rune) bool { return isTokenChar(c) && (whole || !isSeparator(c)) }
	var out []string
	for i < len(s) && len(out) < n {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !in(r) {
			i += w
			continue
		}
		j := i
		for j < len(s) {
			r, w := utf8.DecodeRuneInString(s[j:])
			if !in(r) {
				break
			}
			j += w
		}
		if !onlySeparators(s[i:j]) {
			out = append(out, s[i:j])
		}
		i = j
	}
	return out
}

// sameRun tells whether have is want, word by word (sameWord), the last
// word as a prefix when prefix is set.
func sameRun(have, want []string, prefix bool) bool {
	if len(have) != len(want) || len(want) == 0 {
		return false
	}
	for j, w := range want {
		if prefix && j == len(want)-1 {
			if !strings.HasPrefix(have[j], w) {
				return false
			}
		} else if !sameWord(have[j], w) {
			return false
		}
	}
	return true
}

// sameWord tells whether two lower-cased words are one to the search
// table's porter stemmer, about: equal, or one is the other with one of
// the common endings.
func sameWord(a, b string) bool {
	if a == b {
		return true
	}
	sa, sb := stem(a), stem(b)
	return sa == sb || endings[strings.TrimPrefix(a, sb)] && strings.HasPrefix(a, sb) || endings[strings.TrimPrefix(b, sa)] && strings.HasPrefix(b, sa)
}
