package store

import (
	"slices"
	"strings"

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
	var ts []term
	for _, t := range parseQuery(text) {
		if !t.neg {
			ts = append(ts, t)
		}
	}
	found := map[string]bool{}
	for _, p := range searchPieces(r) {
		if p.label == MatchQuery && query != "" {
			p.text = query
		}
		if found[p.label] {
			continue
		}
		var doc *pieceTokens
		for _, t := range ts {
			if t.column != "" && t.column != SearchColumns[p.col] {
				continue
			}
			if doc == nil {
				doc = tokensOf(p.text, !p.noParts)
			}
			if doc.match(t) {
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

// pieceTokens are a text's tokens, lower-cased, whole and split into parts.
type pieceTokens struct {
	whole, split []string
}

func tokensOf(s string, withParts bool) *pieceTokens {
	d := &pieceTokens{}
	for _, tok := range tokens(s) {
		tok = strings.ToLower(tok)
		d.whole = append(d.whole, tok)
		if ps := parts(tok); ps != nil && withParts {
			d.split = append(d.split, ps...)
		} else {
			d.split = append(d.split, tok)
		}
	}
	return d
}

// match tells whether the term's tokens are in d in a row, whole or as
// parts (as ftsTerm's expression matches them).
func (d *pieceTokens) match(t term) bool {
	var whole, split []string
	for _, tok := range tokens(t.text) {
		tok = strings.ToLower(tok)
		whole = append(whole, tok)
		if ps := parts(tok); ps != nil {
			split = append(split, ps...)
		} else {
			split = append(split, tok)
		}
	}
	return inRow(d.whole, whole, t.prefix) || inRow(d.split, split, t.prefix)
}

// inRow tells whether want is a run of have, word by word (sameWord), the
// last word as a prefix when prefix is set.
func inRow(have, want []string, prefix bool) bool {
	if len(want) == 0 {
		return false
	}
	for i := 0; i+len(want) <= len(have); i++ {
		ok := true
		for j, w := range want {
			h := have[i+j]
			if prefix && j == len(want)-1 {
				ok = strings.HasPrefix(h, w)
			} else {
				ok = sameWord(h, w)
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
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
