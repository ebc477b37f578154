package catalog

import (
	"regexp/syntax"
	"slices"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/vocab"
)

// Canonical kinds: what a canonical indicator says of its field.
// has (a whole term) is counted as contains, hasprefix as startswith,
// hassuffix as endswith: the canonical form says what is looked for, not
// how the engine tokenises.
func canonicalKind(kind string) string {
	switch MatchKind(kind) {
	case rule.OpHas:
		return rule.OpContains
	case rule.OpHasPrefix:
		return rule.OpStartsWith
	case rule.OpHasSuffix:
		return rule.OpEndsWith
	}
	return MatchKind(kind)
}

// CanonicalKey is a canonical indicator's identity: its field, kind and
// normalised value.
type CanonicalKey struct{ Field, Kind, Value string }

// String writes k as a reader sees it: "process.command_line contains urlcache".
func (k CanonicalKey) String() string { return k.Field + " " + k.Kind + " " + k.Value }

// sourcesOf returns the vocabulary's sources for r (see vocab.Select).
func sourcesOf(r *rule.Rule) []*vocab.Source {
	has := func(field, value string) bool {
		for _, in := range r.Indicators {
			if in.Negated || MatchKind(in.Kind) != rule.OpEq || !strings.EqualFold(in.Field, field) {
				continue
			}
			for _, v := range in.Values {
				if strings.EqualFold(v, value) {
					return true
				}
			}
		}
		return false
	}
	return vocab.Default().Select(r.Platform, r.Tables, has)
}

// EventKind returns the kind of event r reads as the vocabulary knows it
// (process, network, dns, file, registry, ...), "" when it does not.
func EventKind(r *rule.Rule) string {
	if srcs := sourcesOf(r); len(srcs) > 0 {
		return srcs[0].Kind
	}
	return ""
}

// CanonicalIndicators returns r's positive indicators in canonical form,
// each once, in the order of r's indicators; their corpus counts are left
// empty (CanonicalCounts fills them). A field the vocabulary does not map
// gives none.
func CanonicalIndicators(r *rule.Rule) []rule.CanonicalIndicator {
	v := vocab.Default()
	srcs := sourcesOf(r)
	var out []rule.CanonicalIndicator
	at := map[CanonicalKey]int{}
	for _, in := range r.Indicators {
		if in.Negated {
			continue
		}
		field, _, ok := vocab.Resolve(srcs, in.Field)
		if !ok || field == "" {
			continue
		}
		for _, val := range in.Values {
			k, ok := canonicalValue(v, field, canonicalKind(in.Kind), val, in.Wildcards)
			if !ok {
				continue
			}
			from := in.Field + " " + in.Kind + " " + val
			if i, seen := at[k]; seen {
				if !slices.Contains(out[i].From, from) {
					out[i].From = append(out[i].From, from)
				}
				continue
			}
			at[k] = len(out)
			out = append(out, rule.CanonicalIndicator{Field: k.Field, Kind: k.Kind, Value: k.Value, From: []string{from}})
		}
	}
	return out
}

// canonicalValue normalises one value of a field already canonical:
// wildcards at the ends and simple regular expressions become the kind they
// say (`*x*` contains, `\\certutil\.exe$` endswith), a path field's
// `endswith \name` (or a bare name) becomes its basename field's eq, a part
// field (process.args) becomes a contains of the whole (the command line),
// spaces at the ends and a command-line switch's leading - or / are
// dropped, and the value is case-folded.
func canonicalValue(v *vocab.Vocabulary, field, kind, val string, wildcards bool) (CanonicalKey, bool) {
	switch {
	case wildcards && (kind == rule.OpEq || kind == rule.OpContains || kind == rule.OpStartsWith || kind == rule.OpEndsWith):
		kind, val = unwildcard(kind, val)
	case kind == rule.OpRegex:
		if k, lit, ok := regexLiteral(val); ok {
			kind, val = k, lit
		}
	}
	c, _ := v.Canonical(field)
	if c.Part != "" {
		field = c.Part
		if kind == rule.OpEq || kind == rule.OpStartsWith || kind == rule.OpEndsWith {
			kind = rule.OpContains
		}
		c, _ = v.Canonical(field)
	}
	if kind == rule.OpContains || kind == rule.OpStartsWith || kind == rule.OpEndsWith {
		val = strings.TrimSpace(val)
		if strings.HasSuffix(field, "command_line") && kind == rule.OpContains {
			if t := strings.TrimLeft(val, "-/"); t != "" {
				val = strings.TrimSpace(t)
			}
		}
	}
	if c.Basename != "" {
		switch {
		case kind == rule.OpEndsWith && len(val) > 1 && (val[0] == '\\' || val[0] == '/') && !strings.ContainsAny(val[1:], `\/`):
			field, kind, val = c.Basename, rule.OpEq, val[1:]
		case kind == rule.OpEq && val != "" && !strings.ContainsAny(val, `\/`):
			field = c.Basename
		}
	}
	if val == "" {
		return CanonicalKey{}, false
	}
	return CanonicalKey{Field: field, Kind: kind, Value: Fold(val)}, true
}

// unescapeWildcards turns escaped wildcards into the characters (made once:
// a Replacer is built at its first use, unwildcard runs for every value).
var unescapeWildcards = strings.NewReplacer(`\*`, "*", `\?`, "?")

// unwildcard turns a pattern whose only wildcards are at its ends into the
// kind it says: *x* contains x, *x endswith x, x* startswith x. A ? at an
// end (one character, Elastic's `?urlcache` for -urlcache or /urlcache) is
// taken as a *. A pattern with wildcards inside is left as it is.
func unwildcard(kind, val string) (string, string) {
	lead := len(val) - len(strings.TrimLeft(val, "*?"))
	trail := len(val) - len(strings.TrimRight(val, "*?"))
	if lead == len(val) {
		return kind, val
	}
	core := val[lead : len(val)-trail]
	if strings.ContainsAny(core, "*?") && !strings.Contains(core, `\*`) && !strings.Contains(core, `\?`) {
		return kind, val
	}
	core = unescapeWildcards.Replace(core)
	if lead == 0 && trail == 0 {
		return kind, core
	}
	switch kind {
	case rule.OpEq:
		switch {
		case lead > 0 && trail > 0:
			kind = rule.OpContains
		case lead > 0:
			kind = rule.OpEndsWith
		default:
			kind = rule.OpStartsWith
		}
	case rule.OpStartsWith:
		if lead > 0 {
			kind = rule.OpContains
		}
	case rule.OpEndsWith:
		if trail > 0 {
			kind = rule.OpContains
		}
	}
	return kind, core
}

// regexLiteral reads a regular expression that says a literal string with
// anchors (`\\certutil\.exe$`, `(?i)^cmd\.exe$`) as that string and the
// kind its anchors give; ok is false for any other expression.
// Syntax: https://github.com/google/re2/wiki/Syntax
func regexLiteral(expr string) (kind, lit string, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", "", false
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	var start, end bool
	if len(subs) > 0 && (subs[0].Op == syntax.OpBeginText || subs[0].Op == syntax.OpBeginLine) {
		start, subs = true, subs[1:]
	}
	if n := len(subs); n > 0 && (subs[n-1].Op == syntax.OpEndText || subs[n-1].Op == syntax.OpEndLine) {
		end, subs = true, subs[:n-1]
	}
	var b strings.Builder
	for _, s := range subs {
		switch s.Op {
		case syntax.OpLiteral:
			b.WriteString(string(s.Rune))
		case syntax.OpCharClass:
			// [Xx]: one letter in either case (a case-insensitive literal).
			if len(s.Rune) == 4 && s.Rune[0] == s.Rune[1] && s.Rune[2] == s.Rune[3] &&
				strings.EqualFold(string(s.Rune[0]), string(s.Rune[2])) {
				b.WriteRune(s.Rune[0])
				continue
			}
			return "", "", false
		default:
			return "", "", false
		}
	}
	if b.Len() == 0 {
		return "", "", false
	}
	switch {
	case start && end:
		kind = rule.OpEq
	case start:
		kind = rule.OpStartsWith
	case end:
		kind = rule.OpEndsWith
	default:
		kind = rule.OpContains
	}
	return kind, b.String(), true
}

// CanonicalCounts fills the corpus counts of every rule's canonical
// indicators: how many other rules have the same one, in total and by
// platform. The counts by platform are shared by the rules of one platform
// with the same indicator (read, never written): a map an indicator and
// rule was the largest part of a build's memory at 50,000 rules.
func CanonicalCounts(rules []*rule.Rule) {
	// Platforms by number: an entry counts its rules of each in a slice
	// (a map an entry was most of this function's time).
	platforms, plat := platformNumbers(rules)
	type entry struct {
		rules  []int32
		counts []int32          // rules by platform number
		minus  []map[string]int // by platform number: the counts less one rule of it, made once
	}
	// The entry of each canonical indicator of each rule, in order: looked
	// up once.
	n := 0
	for _, r := range rules {
		n += len(r.Canonical)
	}
	idx := map[CanonicalKey]*entry{}
	entries := make([]*entry, 0, n)
	for i, r := range rules {
		for _, c := range r.Canonical {
			k := CanonicalKey{c.Field, c.Kind, c.Value}
			e := idx[k]
			if e == nil {
				e = &entry{counts: make([]int32, len(platforms))}
				idx[k] = e
			}
			if n := len(e.rules); n == 0 || e.rules[n-1] != int32(i) {
				e.rules = append(e.rules, int32(i))
				e.counts[plat[i]]++
			}
			entries = append(entries, e)
		}
	}
	idx = nil
	for i, r := range rules {
		p := plat[i]
		for j := range r.Canonical {
			c := &r.Canonical[j]
			e := entries[0]
			entries = entries[1:]
			c.Total = len(e.rules) - 1
			if e.minus == nil {
				e.minus = make([]map[string]int, len(platforms))
			}
			m := e.minus[p]
			if m == nil {
				for q, n := range e.counts {
					if q == p {
						n--
					}
					if n > 0 {
						if m == nil {
							m = map[string]int{}
						}
						m[platforms[q]] = int(n)
					}
				}
				if m == nil {
					m = noCounts
				}
				e.minus[p] = m
			}
			c.ByPlatform = m
		}
	}
}

// VocabularyCoverage is, for one platform and event kind, how many
// positive indicator values of the corpus are on a field the vocabulary
// maps to a canonical name.
type VocabularyCoverage struct {
	Platform, Kind string
	Mapped, Total  int
	Unmapped       map[string]int // field → values, for the fields left out
}

// VocabularyCoverageOf measures the vocabulary over rules, by platform and event kind (the
// kind of the first source the vocabulary chooses for the rule; "" when it
// chooses none), sorted by platform and kind.
func VocabularyCoverageOf(rules []*rule.Rule) []VocabularyCoverage {
	v := vocab.Default()
	by := map[[2]string]*VocabularyCoverage{}
	for _, r := range rules {
		srcs := sourcesOf(r)
		kind := ""
		if len(srcs) > 0 {
			kind = srcs[0].Kind
		}
		key := [2]string{r.Platform, kind}
		c := by[key]
		if c == nil {
			c = &VocabularyCoverage{Platform: r.Platform, Kind: kind, Unmapped: map[string]int{}}
			by[key] = c
		}
		for _, in := range r.Indicators {
			if in.Negated || in.Field == "" || v.IsContext(r.Platform, in.Field) {
				continue
			}
			n := len(in.Values)
			c.Total += n
			if f, _, ok := vocab.Resolve(srcs, in.Field); ok && f != "" {
				c.Mapped += n
			} else {
				c.Unmapped[in.Field] += n
			}
		}
	}
	out := make([]VocabularyCoverage, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Platform != out[j].Platform {
			return out[i].Platform < out[j].Platform
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}
