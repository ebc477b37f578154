package ingest

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

// Link resolves what the rules of a build say of each other, once all are
// read and have their ids: what each language's rules say of each other
// (lang.Link: the rules that Sigma correlations and meta filters name), and the
// identifiers (Rule.UID) that several rules claim. The diagnostics that a
// previous Link left on a rule (one kept from the last catalog) are removed
// first, so that they say what holds now.
func Link(rules []*rule.Rule) { LinkChanged(rules, nil) }

// LinkChanged is Link where changed, when not nil, tells the repositories
// that changed since the last build (lang.LinkChanged).
func LinkChanged(rules []*rule.Rule, changed func(repo string) bool) {
	for _, r := range rules {
		StripLinkDiagnostics(r)
	}
	lang.LinkChanged(rules, changed)
	sharedUIDs(rules)
}

// StripLinkDiagnostics removes from r the diagnostics that a previous Link
// left on it (a rule kept from the last catalog).
func StripLinkDiagnostics(r *rule.Rule) {
	if len(r.Diagnostics) == 0 {
		return
	}
	kept := r.Diagnostics[:0]
	for _, d := range r.Diagnostics {
		if !IsLinkDiagnostic(d) {
			kept = append(kept, d)
		}
	}
	r.Diagnostics = kept
}

// LinkRepo links what the rules of one repository say of each other
// (lang.LinkRepo), once they have their ids; LinkCorpus the rest of Link,
// once every rule is read: what each language's rules say of each other
// across repositories and the identifiers several rules claim. A build
// that reads one repository at a time strips the link diagnostics of each
// rule (StripLinkDiagnostics), runs LinkRepo as each repository is read,
// and LinkCorpus at the end: Link is the three.
func LinkRepo(rules []*rule.Rule) { lang.LinkRepo(rules) }

// LinkCorpus: see LinkRepo.
func LinkCorpus(rules []*rule.Rule) {
	lang.LinkCorpus(rules)
	sharedUIDs(rules)
}

// linkDiagRE matches the messages of the diagnostics Link makes: those of
// lower.LinkSigma and of sharedUIDs. A test checks that a rule's link
// warning goes when its target comes.
var linkDiagRE = regexp.MustCompile(`^(?:correlation|filter) refers to rule .*, which (?:is not among the rules read|\d+ rules are called)$|^id .* is also the id of `)

// IsLinkDiagnostic tells whether d is one that Link makes.
func IsLinkDiagnostic(d rule.Diagnostic) bool {
	return (d.Severity == rule.SevWarning || d.Severity == rule.SevInfo) && linkDiagRE.MatchString(d.Message)
}

// sharedUIDs puts on every rule whose UID another rule also has a
// diagnostic naming the others: a warning when one of them is in the same
// repository (where the id is meant to be unique), else a note (a rule
// copied from another repository keeps its id).
func sharedUIDs(rules []*rule.Rule) {
	byUID := map[string][]*rule.Rule{}
	for _, r := range rules {
		if r.UID != "" {
			k := strings.ToLower(strings.TrimSpace(r.UID))
			byUID[k] = append(byUID[k], r)
		}
	}
	for _, group := range byUID {
		if len(group) < 2 {
			continue
		}
		for _, r := range group {
			var others []string
			sev := rule.SevInfo
			for _, o := range group {
				if o == r {
					continue
				}
				if o.Source.Repo == r.Source.Repo {
					sev = rule.SevWarning
				}
				if len(others) < 3 {
					others = append(others, fmt.Sprintf("%s (%s/%s)", o.ID, o.Source.Repo, o.Source.Path))
				}
			}
			msg := fmt.Sprintf("id %s is also the id of %s", r.UID, strings.Join(others, ", "))
			if n := len(group) - 1 - len(others); n > 0 {
				msg += fmt.Sprintf(" and %d more", n)
			}
			line, col := uidPos(r)
			r.Diagnostics = append(r.Diagnostics, rule.Diagnostic{Path: r.Source.Path, Line: line, Col: col, Severity: sev, Message: msg})
		}
	}
}

// uidPos returns where r states its UID: where its language says, else
// the rule's first line.
func uidPos(r *rule.Rule) (int, int) {
	if l := lang.Of(r); l != nil && l.UIDPos != nil {
		return l.UIDPos(r)
	}
	return max(r.Source.Line, 1), 1
}
