package lowersigma

import (
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// LinkSigma resolves the rules that Sigma correlation rules and meta filters
// name (Related of type "correlation" or "filter", written as a rule's id or
// its name) among rules: a reference found becomes the named rule's UID (its
// name when it has no id). A reference that names no rule of the set, or
// whose name several rules share, gets a warning on the rule that makes it,
// and is returned too. Call it once the whole catalog is read; it is
// idempotent (a second call finds the UIDs and adds no diagnostic twice).
// A name is looked up first among rules of the same file, then of the same
// repository, then anywhere.
func LinkSigma(rules []*rule.Rule) []rule.Diagnostic {
	byUID := map[string][]*rule.Rule{}
	byName := map[string][]*rule.Rule{}
	for _, r := range rules {
		if r.Platform != "sigma" {
			continue
		}
		if r.UID != "" {
			byUID[strings.ToLower(r.UID)] = append(byUID[strings.ToLower(r.UID)], r)
		}
		if r.Name != "" {
			byName[r.Name] = append(byName[r.Name], r)
		}
	}
	var diags []rule.Diagnostic
	for _, r := range rules {
		if r.Platform != "sigma" {
			continue
		}
		for i := range r.Related {
			rel := &r.Related[i]
			if !linked(*rel) {
				continue
			}
			cands := byUID[strings.ToLower(rel.ID)]
			if len(cands) == 0 {
				cands = byName[rel.ID]
			}
			cands = nearest(r, cands)
			switch len(cands) {
			case 1:
				t := cands[0]
				if t.UID != "" {
					rel.ID = t.UID
				} else {
					rel.ID = t.Name
				}
				continue
			case 0:
				diags = append(diags, addOnce(r, fmt.Sprintf("%s refers to rule %q, which is not among the rules read", refWord(rel.Type), rel.ID), rel.ID))
			default:
				diags = append(diags, addOnce(r, fmt.Sprintf("%s refers to rule %q, which %d rules are called", refWord(rel.Type), rel.ID, len(cands)), rel.ID))
			}
		}
	}
	return diags
}

// linked tells whether LinkSigma resolves rel: the rules a correlation
// rule or a meta filter names.
func linked(rel rule.Related) bool { return rel.Type == "correlation" || rel.Type == "filter" }

func refWord(typ string) string {
	if typ == "filter" {
		return "filter"
	}
	return "correlation"
}

// nearest keeps the candidates in r's file, else in its repository, else all.
func nearest(r *rule.Rule, cands []*rule.Rule) []*rule.Rule {
	if len(cands) < 2 {
		return cands
	}
	var file, repo []*rule.Rule
	for _, c := range cands {
		if c.Source.Repo == r.Source.Repo {
			repo = append(repo, c)
			if c.Source.Path == r.Source.Path {
				file = append(file, c)
			}
		}
	}
	switch {
	case len(file) > 0:
		return file
	case len(repo) > 0:
		return repo
	}
	return cands
}

// addOnce adds a warning to r at the line of ref in its query, unless r has
// it already, and returns it.
func addOnce(r *rule.Rule, msg, ref string) rule.Diagnostic {
	line, col := r.QueryLine, 1
	if i := strings.Index(r.Query, "rules:"); i >= 0 {
		if j := strings.Index(r.Query[i:], ref); j >= 0 {
			off := i + j
			line = r.QueryLine + strings.Count(r.Query[:off], "\n")
			col = off - strings.LastIndexByte(r.Query[:off], '\n')
		}
	}
	d := rule.Diagnostic{Path: r.Source.Path, Line: line, Col: col, Severity: rule.SevWarning, Message: msg}
	for _, x := range r.Diagnostics {
		if x == d {
			return d
		}
	}
	r.Diagnostics = append(r.Diagnostics, d)
	return d
}
