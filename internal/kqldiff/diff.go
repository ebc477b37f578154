// Package kqldiff is the differential test of ruledex's KQL parser against
// Microsoft's own (Kusto.Language, run through node as kql-oracle): for every
// KQL query of a corpus it compares whether each accepts the query, and the
// tables, operators and functions each finds; and the result columns the
// oracle computes against the output fields of ruledex's lowering.
//
//	go test ./internal/kqldiff -run Oracle -v
//
// prints the report and writes the disagreements to /tmp/kqldiff-failures.txt.
package kqldiff

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// Query is one KQL query of the corpus.
type Query struct {
	Path string // repo/path of the file
	Line int    // line of the query's first line in the file
	Text string
	Rule *rule.Rule // the rule ingest read, with its lowering; nil from the fallback extractor
}

// Where returns path:line.
func (q *Query) Where() string { return fmt.Sprintf("%s:%d", q.Path, q.Line) }

// Parsed is ruledex's reading of one query.
type Parsed struct {
	Errors    []string // positioned messages ("3:7: unexpected ..."), first error first; empty when accepted
	Tables    []string
	Operators []string // KQL keywords
	Functions []string
}

// Parser reads a query the way ruledex does.
type Parser interface {
	Parse(query string) Parsed
}

// ParserFunc adapts a function to Parser.
type ParserFunc func(query string) Parsed

// Parse calls f.
func (f ParserFunc) Parse(q string) Parsed { return f(q) }

// Failure classes of a Disagreement.
const (
	ClassRejects   = "ruledex rejects"  // the oracle accepts, ruledex reports an error
	ClassAccepts   = "ruledex accepts"  // the oracle reports a syntax error, ruledex none
	ClassTables    = "tables differ"    // both accept
	ClassOperators = "operators differ" // both accept
	ClassFunctions = "functions differ" // both accept
)

// Disagreement is one query on which ruledex and the oracle differ.
type Disagreement struct {
	Query  *Query
	Class  string
	Detail string // ruledex's first error, the oracle's first syntax error, or the set difference
}

// Report is the outcome of Compare.
type Report struct {
	Queries      int
	OracleFailed int // queries the oracle itself failed on; left out of every figure

	OracleAccepts  int
	RuledexAccepts int // of OracleAccepts
	OracleRejects  int
	RuledexRejects int // of OracleRejects: ruledex reports an error too

	BothAccept     int
	TablesEqual    int // of BothAccept
	OperatorsEqual int
	FunctionsEqual int
	AllEqual       int // tables, operators and functions all equal

	Disagreements []Disagreement
}

// Pct is 100*a/b, or 100 when b is 0 (nothing to get wrong).
func Pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

// AcceptRate is the share of the oracle's accepted queries ruledex accepts.
func (r *Report) AcceptRate() float64 { return Pct(r.RuledexAccepts, r.OracleAccepts) }

// RejectRate is the share of the oracle's rejected queries in which ruledex finds an error.
func (r *Report) RejectRate() float64 { return Pct(r.RuledexRejects, r.OracleRejects) }

// SetRate is the share of queries both accept whose three sets are all equal.
func (r *Report) SetRate() float64 { return Pct(r.AllEqual, r.BothAccept) }

// String prints the figures.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "queries %d (oracle failed on %d, left out)\n", r.Queries, r.OracleFailed)
	fmt.Fprintf(&b, "oracle accepts %d, of which ruledex accepts %d (%.2f%%)\n", r.OracleAccepts, r.RuledexAccepts, r.AcceptRate())
	fmt.Fprintf(&b, "oracle rejects %d, of which ruledex reports an error %d (%.2f%%)\n", r.OracleRejects, r.RuledexRejects, r.RejectRate())
	fmt.Fprintf(&b, "both accept %d: tables equal %d (%.2f%%), operators equal %d (%.2f%%), functions equal %d (%.2f%%), all three %d (%.2f%%)",
		r.BothAccept, r.TablesEqual, Pct(r.TablesEqual, r.BothAccept), r.OperatorsEqual, Pct(r.OperatorsEqual, r.BothAccept),
		r.FunctionsEqual, Pct(r.FunctionsEqual, r.BothAccept), r.AllEqual, r.SetRate())
	return b.String()
}

// Compare compares p's reading of every query with the oracle's answer
// (answers[i] is the answer for queries[i]).
func Compare(queries []*Query, answers []*Answer, p Parser) *Report {
	r := &Report{}
	for i, q := range queries {
		a := answers[i]
		r.Queries++
		if a == nil || a.Failed != "" {
			r.OracleFailed++
			continue
		}
		got := parseSafely(p, q.Text)
		ok := len(got.Errors) == 0
		if !a.Accepts() {
			r.OracleRejects++
			if !ok {
				r.RuledexRejects++
			} else {
				r.Disagreements = append(r.Disagreements, Disagreement{q, ClassAccepts, "oracle: " + a.SyntaxErrors[0]})
			}
			continue
		}
		r.OracleAccepts++
		if !ok {
			r.Disagreements = append(r.Disagreements, Disagreement{q, ClassRejects, got.Errors[0]})
			continue
		}
		r.RuledexAccepts++
		r.BothAccept++
		all := true
		for _, c := range []struct {
			class       string
			ours, their []string
			n           *int
		}{
			{ClassTables, NormalizeTables(got.Tables), NormalizeTables(a.Tables), &r.TablesEqual},
			{ClassOperators, NormalizeOperators(got.Operators), NormalizeOracleOperators(a.Operators), &r.OperatorsEqual},
			{ClassFunctions, NormalizeFunctions(got.Functions), NormalizeFunctions(a.Functions), &r.FunctionsEqual},
		} {
			if slices.Equal(c.ours, c.their) {
				*c.n++
				continue
			}
			all = false
			r.Disagreements = append(r.Disagreements, Disagreement{q, c.class, SetDiff(c.ours, c.their)})
		}
		if all {
			r.AllEqual++
		}
	}
	return r
}

// parseSafely turns a panic of the parser into an error, so that one bad
// query does not end the comparison.
func parseSafely(p Parser, src string) (got Parsed) {
	defer func() {
		if e := recover(); e != nil {
			got = Parsed{Errors: []string{fmt.Sprintf("panic: %v", e)}}
		}
	}()
	return p.Parse(src)
}

// SetDiff describes two sorted sets' difference: "ruledex only [a b]; oracle only [c]".
func SetDiff(ours, their []string) string {
	var only1, only2 []string
	for _, s := range ours {
		if _, found := slices.BinarySearch(their, s); !found {
			only1 = append(only1, s)
		}
	}
	for _, s := range their {
		if _, found := slices.BinarySearch(ours, s); !found {
			only2 = append(only2, s)
		}
	}
	var parts []string
	if len(only1) > 0 {
		parts = append(parts, fmt.Sprintf("ruledex only %v", only1))
	}
	if len(only2) > 0 {
		parts = append(parts, fmt.Sprintf("oracle only %v", only2))
	}
	return strings.Join(parts, "; ")
}

var (
	reQuoted = regexp.MustCompile(`'[^']*'|"[^"]*"|\[[^\]]*\]`)
	reNumber = regexp.MustCompile(`\d+`)
	rePos    = regexp.MustCompile(`^\d+:\d+:\s*|@\d+\+\d+:?\s*`)
)

// ClassKey groups a disagreement with others of its kind: its class and its
// detail with positions, numbers and quoted text blanked.
func (d *Disagreement) ClassKey() string {
	det := rePos.ReplaceAllString(d.Detail, "")
	if d.Class == ClassRejects || d.Class == ClassAccepts {
		det = reQuoted.ReplaceAllString(det, "…")
		det = reNumber.ReplaceAllString(det, "N")
	}
	if len(det) > 120 {
		det = det[:120]
	}
	return d.Class + ": " + det
}

// ClassCount is a failure class and how many disagreements it holds.
type ClassCount struct {
	Key   string
	Count int
	Where string // one query of the class
}

// TopClasses returns the failure classes, largest first.
func (r *Report) TopClasses() []ClassCount {
	m := map[string]*ClassCount{}
	for i := range r.Disagreements {
		d := &r.Disagreements[i]
		k := d.ClassKey()
		if m[k] == nil {
			m[k] = &ClassCount{Key: k, Where: d.Query.Where()}
		}
		m[k].Count++
	}
	out := make([]ClassCount, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// WriteFailures writes the report for the parser's engineer: the figures,
// the failure classes, then every disagreement with its place, its class,
// the first error or set difference, and the query.
func (r *Report) WriteFailures(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# kqldiff: ruledex's KQL parser against Kusto.Language\n%s\n\n## Failure classes\n", r)
	for _, c := range r.TopClasses() {
		fmt.Fprintf(&b, "%5d  %s   (e.g. %s)\n", c.Count, c.Key, c.Where)
	}
	b.WriteString("\n## Disagreements\n")
	ds := slices.Clone(r.Disagreements)
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Class < ds[j].Class })
	for _, d := range ds {
		fmt.Fprintf(&b, "\n=== %s  [%s]  %s\n", d.Query.Where(), d.Class, d.Detail)
		b.WriteString(indent(d.Query.Text))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("    ")
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}
