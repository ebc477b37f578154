package store

import (
	"slices"
	"strings"
	"sync"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// Facet names, as Query.Facets and Result.Facets use them.
const (
	FacetPlatform  = "platform"
	FacetRepo      = "repo"
	FacetKind      = "kind"
	FacetLanguage  = "language"
	FacetTactic    = "tactic"
	FacetTechnique = "technique"
	FacetTable     = "table" // KQL tables; Sigma log sources product/service/category
	FacetSeverity  = "severity"
	FacetStatus    = "status"
	FacetAuthor    = "author"
	FacetOperator  = "operator"
	FacetFunction  = "function"
	FacetField     = "field" // fields named (keywords)
	FacetTag       = "tag"
	FacetProvider  = "provider" // event providers (Azure Activity, Microsoft-Windows-Security-Auditing, CloudTrail...)
	FacetEvent     = "event"    // events (actions) looked at, as "provider: event" (catalog.EventName)
	// FacetFinding holds the checks of ruledex lint that found something in
	// the rule: written from the build's findings (findings.go), not by
	// facetsOf, and so not known to MatchFacets.
	FacetFinding = "finding"
)

// Facets lists every facet name, in the order a page shows them.
var Facets = []string{FacetPlatform, FacetKind, FacetRepo, FacetLanguage, FacetTactic, FacetTechnique, FacetTable,
	FacetSeverity, FacetStatus, FacetAuthor, FacetProvider, FacetEvent, FacetOperator, FacetFunction, FacetField, FacetTag, FacetFinding}

var isFacet = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range Facets {
		m[f] = true
	}
	return m
}()

type facetValue struct{ facet, value string }

// facetsOf returns the facet values of r, without empty values or repeats:
// the one definition of a rule's facets. The build writes them (table
// facets); every listing, search, count, page, API answer and CLI filter
// reads them from there. Tactics are ATT&CK shortnames (a technique's
// tactics, else the rule's; "other" for a technique of no known tactic,
// and the tactics the rule states); a sub-technique also gives its parent
// technique, so that T1059 finds and counts T1059.001.
func facetsOf(r *rule.Rule) []facetValue {
	// Sized once for every value: grown, they were 1 GB of the 16.6 GB a
	// build of 164,000 rules allocates as it writes.
	n := 6 + 3*len(r.Techniques) + len(r.Tactics) + len(r.Tables) + len(r.Authors) + len(r.Operators) +
		len(r.Functions) + len(r.Keywords) + len(r.Tags) + 2*len(r.Events)
	fs := make([]facetValue, 0, n)
	seen := make(map[facetValue]bool, n)
	add := func(facet string, vals ...string) {
		for _, v := range vals {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			k := facetValue{facet, strings.ToLower(v)}
			if seen[k] {
				continue
			}
			seen[k] = true
			fs = append(fs, facetValue{facet, v})
		}
	}
	add(FacetPlatform, r.Platform)
	add(FacetRepo, r.Source.Repo)
	add(FacetKind, r.Kind)
	add(FacetLanguage, r.Language)
	add(FacetSeverity, strings.ToLower(r.Severity))
	add(FacetStatus, strings.ToLower(r.Status))
	table := attack.Default()
	for _, t := range r.Techniques {
		if strings.TrimSpace(t.ID) == "" {
			continue
		}
		id := strings.ToUpper(strings.TrimSpace(t.ID))
		add(FacetTechnique, id, attack.Parent(id))
		add(FacetTactic, TechniqueTactics(r, t)...)
	}
	for _, ta := range r.Tactics {
		if tc, ok := table.Tactic(ta); ok {
			add(FacetTactic, tc.Shortname)
		}
	}
	add(FacetTable, r.Tables...)
	add(FacetAuthor, r.Authors...)
	add(FacetOperator, r.Operators...)
	add(FacetFunction, r.Functions...)
	add(FacetField, r.Keywords...)
	add(FacetTag, r.Tags...)
	for _, e := range r.Events {
		// An event is its provider and its name or id together
		// (catalog.EventName): never a provider of one event with the id
		// of another.
		add(FacetProvider, e.Provider)
		add(FacetEvent, catalog.EventName(e.Provider, e.Event))
	}
	return fs
}

// TechniqueTactics returns the shortnames of the ATT&CK tactics (of the
// table in use, attack.Default) under which technique t of r is shown: the
// technique's own, else the tactics the rule states, else "other".
func TechniqueTactics(r *rule.Rule, t rule.Technique) []string {
	table := attack.Default()
	var out []string
	add := func(s string) {
		if tc, ok := table.Tactic(s); ok && !slices.Contains(out, tc.Shortname) {
			out = append(out, tc.Shortname)
		}
	}
	add(t.Tactic)
	for _, s := range t.Tactics {
		add(s)
	}
	if len(out) == 0 {
		for _, s := range r.Tactics {
			add(s)
		}
	}
	if len(out) == 0 {
		out = append(out, "other")
	}
	return out
}

// seenSets are the sets of strings seen that a rule's search text is
// made with (joinUnique, partsText), emptied and used again: made anew,
// they were 1 GB of the 16.6 GB a build of 164,000 rules allocates as it
// writes.
var seenSets = sync.Pool{New: func() any { return map[string]bool{} }}

// seenSet returns an empty set of seenSets; seenDone gives it back.
func seenSet() map[string]bool { return seenSets.Get().(map[string]bool) }

func seenDone(m map[string]bool) {
	if len(m) <= 1<<12 { // (emptying a larger one would cost what it saves)
		clear(m)
		seenSets.Put(m)
	}
}

// searchDoc is the text of one rule in the search table.
type searchDoc struct {
	title, description, query, fields, vals, meta, parts string
}

// searchDocOf returns r's text for full-text search: its pieces
// (eachSearchPiece) joined by column. The parts of the compound tokens of the
// title, description, query, fields and values go in the parts column;
// those of the metadata in the metadata column itself, so that a rule found
// only by its metadata (a technique's name, a tag) is told from one found
// by its own text (the ranking puts those first: rankRange).
func searchDocOf(r *rule.Rule) searchDoc {
	var cols [numSearchColumns][]string
	var withParts, metaParts []string
	eachSearchPiece(r, func(p searchPiece) {
		cols[p.col] = append(cols[p.col], p.text)
		switch {
		case p.noParts:
		case p.col == colMeta:
			metaParts = append(metaParts, p.text)
		default:
			withParts = append(withParts, p.text)
		}
	})
	meta := joinUnique(cols[colMeta])
	return searchDoc{
		title:       strings.Join(cols[colTitle], ""),
		description: strings.Join(cols[colDescription], ""),
		query:       strings.Join(cols[colQuery], ""),
		fields:      joinUnique(cols[colFields]),
		vals:        joinUnique(cols[colVals]),
		meta:        meta + partsText(metaParts...),
		parts:       partsText(withParts...),
	}
}

// joinUnique joins the distinct non-empty strings of ss, one a line.
func joinUnique(ss []string) string {
	seen := seenSet()
	defer seenDone(seen)
	var b strings.Builder
	for _, s := range ss {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String()
}
