package attack

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// Resolve fills a technique a rule states from the table: its canonical id,
// name and ATT&CK tactics, and Tactic (the shortname of the tactic the rule
// stated with it, else ATT&CK's first). Unknown ids get Unknown; deprecated
// ones Deprecated; a revoked one becomes its replacement, with Revoked,
// RevokedBy (the replacement id) and StatedAs (the id as stated). It returns
// whether the id is in the table. Resolving twice gives the same result.
func (t *Table) Resolve(te *rule.Technique) bool {
	stated := te.ID
	if te.StatedAs != "" {
		stated = te.StatedAs
	}
	id := NormalizeID(stated)
	te.Unknown, te.Deprecated, te.Revoked, te.RevokedBy, te.StatedAs = false, false, false, "", ""
	if te.Tactic != "" {
		if ta, ok := t.Tactic(te.Tactic); ok {
			te.Tactic = ta.Shortname
		}
	}
	found, ok := t.Technique(id)
	if !ok {
		te.ID = id
		if !ValidID(id) {
			te.ID = strings.TrimSpace(stated) // no id: kept as written
		}
		te.Unknown = true
		te.Tactics = []string{}
		return false
	}
	cur, _ := t.Current(id)
	if found.Revoked {
		te.Revoked = true
		if cur.ID != found.ID {
			te.RevokedBy = cur.ID
			te.StatedAs = found.ID
		}
	}
	te.ID = cur.ID
	te.Name = cur.Name
	te.Deprecated = cur.Deprecated
	te.Tactics = append([]string{}, cur.Tactics...)
	if te.Tactic == "" && len(cur.Tactics) > 0 {
		te.Tactic = cur.Tactics[0]
	}
	return true
}

// ResolveRule resolves every technique of r (see Resolve) with the default
// table; see (*Table).ResolveRule.
func ResolveRule(r *rule.Rule) { Default().ResolveRule(r) }

// ResolveRule normalises the tactics r states to shortnames ("Initial
// Access", "InitialAccess", "initial_access", "TA0001" → "initial-access";
// unknown names kept as written, with a warning), resolves every technique
// of r, choosing as a technique's Tactic the first tactic the rule states
// that ATT&CK gives it, and adds a warning for every unknown technique and a
// note for every revoked or deprecated one. Calling it again on the same
// rule changes nothing.
func (t *Table) ResolveRule(r *rule.Rule) {
	if r == nil {
		return
	}
	p := &placer{r: r}
	defer p.finish()
	seen := make(map[string]bool, len(r.Tactics))
	tactics := r.Tactics[:0:0]
	for _, s := range r.Tactics {
		name := strings.TrimSpace(s)
		if ta, ok := t.Tactic(name); ok {
			name = ta.Shortname
		} else if name != "" {
			p.diag(rule.SevWarning, s, fmt.Sprintf(unknownTactic+"%q (not in ATT&CK%s)", name, versionSuffix(t.Version)))
		}
		if name != "" && !seen[name] {
			seen[name] = true
			tactics = append(tactics, name)
		}
	}
	r.Tactics = tactics
	for i := range r.Techniques {
		te := &r.Techniques[i]
		if te.Tactic == "" && len(r.Tactics) > 0 && te.StatedAs == "" {
			// The rule states tactics apart from its techniques (Sentinel,
			// Sigma): show each technique under the first of them it has.
			if cur, ok := t.Current(te.ID); ok {
				for _, ta := range r.Tactics {
					if contains(cur.Tactics, ta) || slices.ContainsFunc(cur.Tactics, func(c string) bool { return t.Succeeds(ta, c) }) {
						// ATT&CK gives the technique the tactic, or the
						// tactic a later release split it into (a v18
						// defense-evasion technique under v19's stealth).
						te.Tactic = ta
						break
					}
				}
			}
		}
		stated := te.ID
		if te.StatedAs != "" {
			stated = te.StatedAs
		}
		switch {
		case !t.Resolve(te):
			if ValidID(te.ID) {
				p.diag(rule.SevWarning, stated, fmt.Sprintf(unknownTechnique+"%s (not in ATT&CK%s)", te.ID, versionSuffix(t.Version)))
			} else {
				p.diag(rule.SevWarning, stated, fmt.Sprintf(unknownTechnique+"%q: not a technique id (T1234 or T1234.001)", strings.TrimSpace(stated)))
			}
		case te.RevokedBy != "":
			p.diag(rule.SevInfo, stated, fmt.Sprintf("ATT&CK technique %s was revoked and replaced by %s (%s)", te.StatedAs, te.ID, te.Name))
		case te.Revoked:
			p.diag(rule.SevInfo, stated, fmt.Sprintf("ATT&CK technique %s (%s) was revoked", te.ID, te.Name))
		case te.Deprecated:
			p.diag(rule.SevInfo, stated, fmt.Sprintf("ATT&CK technique %s (%s) is deprecated", te.ID, te.Name))
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// maxDiags bounds the diagnostics one ResolveRule adds to a rule.
const maxDiags = 32

// placer adds ResolveRule's diagnostics to a rule, placed where the rule's
// text shows what they are about.
type placer struct {
	r          *rule.Rule
	lower      string // r.Query with ASCII letters lower-cased (same offsets)
	lowered    bool
	n, dropped int
}

// diag adds a diagnostic to r, placed where the rule's text shows what, else
// at the rule's first line; a diagnostic r already has is not added again,
// and past maxDiags they are counted, not added.
func (p *placer) diag(sev, what, msg string) {
	for _, d := range p.r.Diagnostics {
		if d.Message == msg && d.Severity == sev {
			p.n++ // added by an earlier run: it counts against the bound
			return
		}
	}
	if p.n >= maxDiags {
		p.dropped++
		return
	}
	p.n++
	line, col := p.locate(strings.TrimSpace(what))
	p.r.AddDiagnostic(sev, line, col, msg)
}

// finish adds a note of the diagnostics left out.
func (p *placer) finish() {
	if p.dropped > 0 {
		msg := fmt.Sprintf("%d more ATT&CK problems not listed", p.dropped)
		for _, d := range p.r.Diagnostics {
			if d.Message == msg {
				return
			}
		}
		line, col := p.locate("")
		p.r.AddDiagnostic(rule.SevWarning, line, col, msg)
	}
}

// locate finds what in the rule's query (ASCII case-insensitively, as a
// whole word) and returns its file line and column; else the rule's first
// line.
func (p *placer) locate(what string) (line, col int) {
	r := p.r
	line, col = r.Source.Line, 1
	if line <= 0 {
		line = r.QueryLine
	}
	if line <= 0 {
		line = 1
	}
	if what == "" || r.QueryLine <= 0 {
		return line, col
	}
	if !p.lowered {
		p.lower, p.lowered = asciiLower(r.Query), true
	}
	q, lw := p.lower, asciiLower(what)
	for from := 0; from < len(q); {
		i := strings.Index(q[from:], lw)
		if i < 0 {
			break
		}
		i += from
		end := i + len(lw)
		if (end < len(q) && (isWordByte(q[end]) || (q[end] == '.' && end+1 < len(q) && isDigit(q[end+1])))) ||
			(i > 0 && isWordByte(q[i-1])) {
			from = i + 1
			continue
		}
		ln := r.QueryLine + strings.Count(q[:i], "\n")
		c := i - (strings.LastIndexByte(q[:i], '\n') + 1) + 1
		return ln, c
	}
	return line, col
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-'
}

// asciiLower lower-cases the ASCII letters of s, keeping every byte offset.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " " + v
}

// The start of the warnings for a technique or tactic the table lacks.
const (
	unknownTechnique = "unknown ATT&CK technique "
	unknownTactic    = "unknown ATT&CK tactic "
)

// UnknownID returns the technique id or tactic that a diagnostic of
// Resolve says the table lacks (T1685, "stealth"), or "" for any other
// diagnostic: what a build's summary groups its warnings by.
func UnknownID(msg string) string {
	rest, ok := strings.CutPrefix(msg, unknownTechnique)
	if !ok {
		if rest, ok = strings.CutPrefix(msg, unknownTactic); !ok {
			return ""
		}
	}
	if strings.HasPrefix(rest, `"`) {
		if v, err := strconv.QuotedPrefix(rest); err == nil {
			if u, err := strconv.Unquote(v); err == nil {
				return u
			}
		}
		return ""
	}
	v, _, _ := strings.Cut(rest, " ")
	return v
}
