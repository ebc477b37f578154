package lint

import (
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/vocab"
)

// The field-unknown check: a predicate on a field that the table (log
// source, data model) it reads does not have, where ruledex's field
// vocabulary (internal/vocab) holds the table's whole schema, taken from the
// vendor's reference (vocab.Source.Doc cites it). Such a predicate never
// matches (the field is empty on every event), or is an error where the
// language resolves columns: a typo, or a field of another table.

func init() {
	Register(&Check{ID: "field-unknown", Severity: Warning, Message: "a predicate on a field its table does not have",
		Help: "The rule tests a field that the table or log source it reads does not have, by that table's schema as " +
			"its vendor documents it (ruledex knows the whole schema of some tables and log sources only: see " +
			"internal/vocab/data, each source citing its vendor's reference). On events of that table the " +
			"field is always empty, so the predicate never matches (or, where the language resolves columns, the " +
			"query fails). Fix the name (a typo, another table's spelling of the same fact), or read the table " +
			"that has it. Only predicates before the first stage that makes or renames columns (extend, summarize, " +
			"project, join, parse...) are checked, so a computed column is not reported.",
		Rule: fieldUnknown})
}

// filterStages are the kinds of stage that keep the columns of what they
// read: a predicate of one of them, in the rule's main pipeline before any
// stage of another kind, tests a field of the table read.
var filterStages = map[string]bool{"source": true, "where": true, "selection": true, "filter": true, "condition": true, "search": true}

func fieldUnknown(r *rule.Rule, rep *Reporter) {
	table := ""
	if len(r.Tables) == 1 {
		table = r.Tables[0]
	}
	seen := map[string]bool{}
	for i := range r.Stages {
		s := &r.Stages[i]
		if !filterStages[s.Kind] || len(s.Stages) > 0 {
			return // columns made, renamed or joined from here on
		}
		if s.Kind == "source" {
			if s.Source == "" {
				return
			}
			table = s.Source
			continue
		}
		if table == "" {
			return
		}
		for j := range s.Predicates {
			p := &s.Predicates[j]
			f := p.Field
			if !plainField(f) || seen[strings.ToLower(f)] {
				continue
			}
			if known, has := vocab.HasField(r.Platform, table, f); known && !has {
				seen[strings.ToLower(f)] = true
				rep.AtPredicate(s, p, f, fmt.Sprintf("%s has no field %s", table, f))
			}
		}
	}
}

// plainField tells whether f names a field, not an expression
// (`tolower(X)`, `X[1]`, `a + b`): letters, digits and . _ - @ only.
func plainField(f string) bool {
	if f == "" {
		return false
	}
	for _, c := range f {
		if !(c == '.' || c == '_' || c == '-' || c == '@' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
