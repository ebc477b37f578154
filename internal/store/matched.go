package store

import (
	"slices"
	"strings"
	"unicode/utf8"

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

var matchOrder = []string{MatchTitle, MatchDescription, MatchQuery, MatchIndicator, MatchField, MatchEvent, MatchAction,
	MatchTable, MatchTechnique, MatchTactic, MatchTag, MatchAuthor, MatchSource, MatchMetadata}

// searchPiece is one text of a rule that search reads: its column in the
// search table and what it is (one of the Match names).
type searchPiece struct {
	col     int
	label   string
	text    string
	noParts bool // its compound tokens are not split into parts (the vocabulary's spellings)
}

// searchPieces returns every text of r that search reads, with its column
// and place: what the search table indexes (searchDocOf) and what a hit
// says it matched (matchedIn) are the same list.
func searchPieces(r *rule.Rule) []searchPiece {
	var ps []searchPiece
	add := func(col int, label string, texts ...string) {
		for _, t := range texts {
			if t != "" {
				ps = append(ps, searchPiece{col: col, label: label, text: t})
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
			ps = append(ps, searchPiece{col: colFields, label: MatchIndicator, text: s, noParts: true})
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
	return ps
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
func matchedIn(r *rule.Rule, text, query string) []string {
	ts := matchTerms(text)
	found := map[string]bool{}
	for _, p := range searchPieces(r) {
		if p.label == MatchQuery && query != "" {
			p.text = query
		}
		if found[p.label] {
			continue
		}
		low := strings.ToLower(p.text)
		for _, t := range ts {
			if (t.column == "" || t.column == SearchColumns[p.col]) && t.in(low, !p.noParts) {
				found[p.label] = true
				break
			}
		}
	}
	out := []string{}
	for _, l := range matchOrder {
		if found[l] {
			out = append(out, l)
		}
	}
	return out
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
