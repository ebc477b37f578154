package kqldiff

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

// operatorKindsTxt maps Kusto.Language's SyntaxKind of every query operator
// to its KQL keyword (data/operator_kinds.txt).
//
//go:embed data/operator_kinds.txt
var operatorKindsTxt string

// operatorKeywords is operatorKindsTxt read; a keyword "" marks a kind left
// out of the comparison.
var operatorKeywords = mustParseKinds(operatorKindsTxt)

func mustParseKinds(txt string) map[string]string {
	m, err := parseKinds(txt)
	if err != nil {
		panic(err) // the embedded file is ours; its test keeps it well formed
	}
	return m
}

func parseKinds(txt string) (map[string]string, error) {
	m := map[string]string{}
	for i, line := range strings.Split(txt, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("operator_kinds.txt:%d: want \"SyntaxKind keyword\", got %q", i+1, line)
		}
		if _, dup := m[f[0]]; dup {
			return nil, fmt.Errorf("operator_kinds.txt:%d: %s twice", i+1, f[0])
		}
		kw := f[1]
		if kw == "-" {
			kw = ""
		}
		m[f[0]] = kw
	}
	return m, nil
}

// OperatorKeyword returns the KQL keyword of an operator the oracle names by
// its SyntaxKind (FilterOperator → where, ProjectAwayOperator →
// project-away, MvExpandOperator → mv-expand). ok is false for a kind the
// table does not know; keyword is "" (and ok true) for kinds that are not
// operators a user writes (BadQueryOperator, GraphMatchPattern).
func OperatorKeyword(kind string) (keyword string, ok bool) {
	kw, ok := operatorKeywords[kind]
	return kw, ok
}

// OperatorKinds returns every SyntaxKind of the table, sorted.
func OperatorKinds() []string {
	ks := make([]string, 0, len(operatorKeywords))
	for k := range operatorKeywords {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// keywordSynonyms are spellings of one operator that Kusto.Language parses
// into the same node: each is compared as the keyword it stands for.
var keywordSynonyms = map[string]string{
	"filter":   "where",     // FilterOperator
	"limit":    "take",      // TakeOperator
	"order":    "sort",      // SortOperator ("order by" and "sort by")
	"mvexpand": "mv-expand", // MvExpandOperator, the old spelling
	"mvapply":  "mv-apply",  // MvApplyOperator, the old spelling
}

// NormalizeOperator returns the keyword an operator keyword is compared as:
// lower case, a synonym replaced by the keyword of its node.
func NormalizeOperator(kw string) string {
	kw = strings.ToLower(strings.TrimSpace(kw))
	if s, ok := keywordSynonyms[kw]; ok {
		return s
	}
	return kw
}

// NormalizeOracleOperators turns the oracle's SyntaxKind names into the set
// of keywords compared: kinds that are not user-written operators are left
// out, a kind the table lacks is kept as "?Kind" so that it shows up as a
// difference rather than vanish.
func NormalizeOracleOperators(kinds []string) []string {
	var out []string
	for _, k := range kinds {
		kw, ok := OperatorKeyword(k)
		switch {
		case !ok:
			out = append(out, "?"+k)
		case kw != "":
			out = append(out, kw)
		}
	}
	return Set(out)
}

// NormalizeOperators returns the set of ruledex's operator keywords compared.
func NormalizeOperators(kws []string) []string {
	out := make([]string, 0, len(kws))
	for _, k := range kws {
		if k = NormalizeOperator(k); k != "" {
			out = append(out, k)
		}
	}
	return Set(out)
}

// NormalizeTable returns the name a table is compared as: a bracketed name
// (['My Table'], ["T"]) as its bare name. Case is kept: KQL table names are
// case-sensitive and both parsers report them as written.
func NormalizeTable(t string) string {
	t = strings.TrimSpace(t)
	if len(t) >= 4 && t[0] == '[' && t[len(t)-1] == ']' {
		in := t[1 : len(t)-1]
		if len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0] {
			t = in[1 : len(in)-1]
		}
	}
	return t
}

// NormalizeTables returns the set of tables compared. Names with a wildcard
// (union Device*) are left out: the oracle runs without a schema and cannot
// expand them, so it reports no table for them.
func NormalizeTables(ts []string) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		t = NormalizeTable(t)
		if t == "" || strings.Contains(t, "*") {
			continue
		}
		out = append(out, t)
	}
	return Set(out)
}

// specialForms are names that look like function calls but that
// Kusto.Language parses as their own syntax (ToScalarExpression,
// MaterializeExpression, DataTableExpression, ExternalDataExpression,
// TypeOfLiteralExpression, ToTableExpression), so the oracle never lists them
// among functions. They are left out of ruledex's functions when comparing.
var specialForms = map[string]bool{
	"toscalar":      true,
	"totable":       true,
	"materialize":   true,
	"datatable":     true,
	"externaldata":  true,
	"external_data": true,
	"typeof":        true,
}

// NormalizeFunctions returns the set of functions compared. Names are
// compared as written (KQL function names are case-sensitive: Kusto does not
// know ToString); special forms are left out (see specialForms).
func NormalizeFunctions(fs []string) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		f = strings.TrimSpace(f)
		if f == "" || specialForms[f] {
			continue
		}
		out = append(out, f)
	}
	return Set(out)
}

// Set returns the distinct strings of s, sorted.
func Set(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
