package esql_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/esql"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

// The reference (../shared/corpus/elastic-reference) is what Elasticsearch's
// ES|QL ANTLR grammar says of each corpus query and of 1,000 mutants. Its
// README calls these answers the least authoritative of its three; where
// this parser disagrees on purpose, the case is listed here with what
// Elastic's ES|QL reference says
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-commands.html).
//
// Deliberate differences:
//   - Fields: the reference lists names as written, backquotes kept
//     (source.`as`.number, `kubernetes.audit.annotations.x/y`); Fields
//     lists the field each names, as Elastic's syntax page says a quoted
//     identifier is read (esql-syntax.html, "Identifiers"): source.as.number.
//     The reference's names are unquoted before comparing.
//   - Assigned: the reference does not count RENAME's new names as made
//     columns (rules/integrations/azure/initial_access_entra_id_illicit_consent_grant_via_registered_application.toml:
//     RENAME ... AS Esql.app_id, then BY ..., Esql.app_id); RENAME makes
//     that column (esql-commands.html#esql-rename), so Assigned lists it.
//     Assigned is compared for information only.
//   - Assigned: the reference does not count the keys of DISSECT and GROK
//     patterns (%{name}) as made columns; Elastic's reference says they are
//     (esql-process-data-with-dissect-and-grok.html: "DISSECT ... creates a
//     column for each key"), so Assigned lists them; they are removed before
//     comparing.

// TestReference compares Parse, Fields, Assigned and Predicates with the
// reference on every corpus query, and prints the figures and the worst
// differences.
func TestReference(t *testing.T) {
	refs := testcorpus.ReadJSONL[refLine](t, "esql.jsonl")
	var accepted, agree, fieldsSame, assignedSame, predSame, predTotal, refOK int
	var worst []string
	for _, r := range refs {
		root, errs := esql.Parse([]byte(r.Query))
		if !r.Reference.OK {
			continue
		}
		refOK++
		if len(errs) == 0 {
			accepted++
		} else {
			worst = append(worst, fmt.Sprintf("%s: rejected: %v", r.Path, errs[0]))
			continue
		}
		agree++
		fields := esql.Fields(root)
		if slices.Equal(fields, unquoteNames(r.Reference.Fields)) {
			fieldsSame++
		} else {
			worst = append(worst, fmt.Sprintf("%s: fields: +%v -%v", r.Path, minus(fields, r.Reference.Fields), minus(r.Reference.Fields, fields)))
		}
		assigned := withoutPatternKeys(root, esql.Assigned(root), r.Reference.Assigned)
		if slices.Equal(assigned, sorted(r.Reference.Assigned)) {
			assignedSame++
		} else {
			worst = append(worst, fmt.Sprintf("%s: assigned: +%v -%v", r.Path, minus(assigned, r.Reference.Assigned), minus(r.Reference.Assigned, assigned)))
		}
		preds := esql.Predicates(root)
		predTotal++
		if d := diffPredicates(preds, r.Reference.Predicates); d == "" {
			predSame++
		} else {
			worst = append(worst, fmt.Sprintf("%s: predicates: %s", r.Path, d))
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	t.Logf("reference accepts %d queries; Parse accepts %d (%.1f%%)", refOK, accepted, pct(accepted, refOK))
	t.Logf("same fields read: %d of %d (%.1f%%)", fieldsSame, agree, pct(fieldsSame, agree))
	t.Logf("same columns assigned: %d of %d (%.1f%%)", assignedSame, agree, pct(assignedSame, agree))
	t.Logf("same predicates: %d of %d (%.1f%%)", predSame, predTotal, pct(predSame, predTotal))
	for i, w := range worst {
		if i == 20 {
			t.Logf("... and %d more differences", len(worst)-20)
			break
		}
		t.Log(w)
	}
	if pct(accepted, refOK) < 99.5 {
		t.Errorf("accepts %.1f%% of what the reference accepts, want at least 99.5%%", pct(accepted, refOK))
	}
	if pct(fieldsSame, agree) < 99 {
		t.Errorf("same fields on %.1f%%, want at least 99%%", pct(fieldsSame, agree))
	}
	if pct(predSame, predTotal) < 98 {
		t.Errorf("same predicates on %.1f%%, want at least 98%%", pct(predSame, predTotal))
	}
}

// mutant is one line of mutants-esql.jsonl.
type mutant struct {
	Query string `json:"query"`
	OK    bool   `json:"ok"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// TestMutants compares acceptance with the reference on 1,000 corpus
// queries with one random edit each.
func TestMutants(t *testing.T) {
	ms := testcorpus.ReadJSONL[mutant](t, "mutants-esql.jsonl")
	var refOK, refBad, bothOK, bothBad int
	var wrongAccept, wrongReject []string
	for _, m := range ms {
		_, errs := esql.Parse([]byte(m.Query))
		ok := len(errs) == 0
		if m.OK {
			refOK++
			if ok {
				bothOK++
			} else {
				wrongReject = append(wrongReject, fmt.Sprintf("rejected, the reference accepts: %v\n%s", errs[0], excerpt(m.Query, errs[0].Span.Start)))
			}
		} else {
			refBad++
			if !ok {
				bothBad++
			} else {
				msg := ""
				if m.Error != nil {
					msg = m.Error.Message
				}
				wrongAccept = append(wrongAccept, fmt.Sprintf("accepted, the reference says %q:\n%s", msg, m.Query))
			}
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	t.Logf("mutants: %d; the reference rejects %d, Parse rejects %d of them (%.1f%%)", len(ms), refBad, bothBad, pct(bothBad, refBad))
	t.Logf("the reference accepts %d, Parse accepts %d of them (%.1f%%)", refOK, bothOK, pct(bothOK, refOK))
	for i, w := range wrongAccept {
		if i == 8 {
			break
		}
		t.Log(w)
	}
	for i, w := range wrongReject {
		if i == 8 {
			break
		}
		t.Log(w)
	}
	if pct(bothBad, refBad) < 95 {
		t.Errorf("rejects %.1f%% of the mutants the reference rejects, want at least 95%%", pct(bothBad, refBad))
	}
	if pct(bothOK, refOK) < 95 {
		t.Errorf("accepts %.1f%% of the mutants the reference accepts, want at least 95%%", pct(bothOK, refOK))
	}
}

// excerpt returns the line of src holding offset off.
func excerpt(src string, off int) string {
	off = min(max(off, 0), len(src))
	s := strings.LastIndexByte(src[:off], '\n') + 1
	e := strings.IndexByte(src[off:], '\n')
	if e < 0 {
		e = len(src)
	} else {
		e += off
	}
	return "    " + src[s:e]
}

// unquoteNames returns names with their backquoted parts unquoted
// (source.`as`.number is source.as.number), sorted, each once.
func unquoteNames(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if strings.Contains(n, "`") {
			var b strings.Builder
			for i := 0; i < len(n); i++ {
				if n[i] == '`' {
					if i+1 < len(n) && n[i+1] == '`' {
						b.WriteByte('`')
						i++
					}
					continue
				}
				b.WriteByte(n[i])
			}
			n = b.String()
		}
		out = append(out, n)
	}
	return sorted(out)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// minus returns what a holds and b does not.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// withoutPatternKeys drops from assigned the DISSECT and GROK keys the
// reference does not list (see the note at the top of this file).
func withoutPatternKeys(root esql.Node, assigned, ref []string) []string {
	keys := map[string]bool{}
	esql.Inspect(root, func(n esql.Node) bool {
		switch n := n.(type) {
		case *esql.DissectCommand:
			for _, k := range esql.DissectKeys(n.Pattern.Value) {
				keys[k] = true
			}
		case *esql.GrokCommand:
			for _, p := range n.Patterns {
				for _, k := range esql.GrokKeys(p.Value) {
					keys[k] = true
				}
			}
		}
		return true
	})
	var out []string
	for _, a := range assigned {
		if !keys[a] || slices.Contains(ref, a) {
			out = append(out, a)
		}
	}
	return out
}

// squeeze drops white space: the reference's left operands are source
// text, Predicates' are printed.
func squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// diffPredicates says how got and want differ, "" when they do not.
func diffPredicates(got []esql.Predicate, want []refPredicate) string {
	if len(got) != len(want) {
		var g []string
		for _, p := range got {
			g = append(g, p.Left+" "+p.Op)
		}
		var w []string
		for _, p := range want {
			w = append(w, p.Left+" "+p.Op)
		}
		return fmt.Sprintf("%d predicates, the reference %d:\n  got  %q\n  want %q", len(got), len(want), g, w)
	}
	for i, g := range got {
		w := want[i]
		if g.Kind != w.Kind || squeeze(g.Left) != squeeze(w.Left) || g.Op != w.Op || g.Negated != w.Negated || !sameValues(g.Values, w.Values) {
			return fmt.Sprintf("#%d: got %s %q %s %q negated=%v, the reference %s %q %s %q negated=%v",
				i, g.Kind, g.Left, g.Op, g.Values, g.Negated, w.Kind, w.Left, w.Op, w.Values, w.Negated)
		}
	}
	return ""
}

func sameValues(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && squeeze(a[i]) != squeeze(b[i]) {
			return false
		}
	}
	return true
}
