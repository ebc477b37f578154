package kqldiff

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// Which queries have output columns that can be checked against the oracle's.
//
// The oracle runs without a schema: every table is open, so after `T | where
// x > 1` it knows only the columns the query names. Its result columns are
// therefore the query's true output only where an operator fixes the columns
// from the query text alone. The last such operator of the query's top-level
// pipeline must be followed only by operators whose effect on the column set
// the text alone determines.
var (
	// fixingStages set the columns to those the operator names.
	fixingStages = map[string]bool{
		"project":     true, // project a, b = f(c)
		"summarize":   true, // by-columns then aggregates
		"distinct":    true, // distinct a, b (not distinct *: see fixes)
		"count":       true, // Count
		"make-series": true, // by-columns, the axis and the series
		"top-nested":  true,
		"print":       true,
		"reduce":      true, // Pattern, Count, Representative
		"getschema":   true,
	}
	// keepingStages leave the column set as it was, or change it by names
	// the operator itself states.
	keepingStages = map[string]bool{
		"where": true, "filter": true, "sort": true, "order": true, "take": true, "limit": true,
		"top": true, "sample": true, "sample-distinct": false, "serialize": true, "render": true,
		"as": true, "extend": true, "project-away": true, "project-rename": true,
		"project-reorder": true, "mv-expand": true, "parse": true, "parse-where": true,
	}
)

// fixesColumns tells whether r's top-level stages end with an operator that
// fixes the columns, followed only by operators that keep them known.
func fixesColumns(r *rule.Rule) bool {
	st := r.Stages
	for i := len(st) - 1; i >= 0; i-- {
		k := NormalizeOperator(st[i].Kind)
		if fixingStages[k] {
			if k == "distinct" && strings.Contains(st[i].Text, "*") {
				return false
			}
			return true
		}
		if !keepingStages[k] {
			return false
		}
	}
	return false
}

// ColumnsReport compares the oracle's result columns with the output fields
// of ruledex's lowering.
type ColumnsReport struct {
	Queries      int // queries read through ingest that both the oracle and ruledex accept
	NoOutputs    int // of those, queries whose lowering gave no output field
	Eligible     int // queries whose columns are fixed by their text (fixesColumns) and whose outputs have no wildcard
	Equal        int // of Eligible: the same set of names
	OrderedEqual int // of Eligible: the same names in the same order
	Mismatches   []Disagreement
}

// Rate is the share of eligible queries whose output names equal the oracle's columns.
func (c *ColumnsReport) Rate() float64 { return Pct(c.Equal, c.Eligible) }

// String prints the figures.
func (c *ColumnsReport) String() string {
	return fmt.Sprintf("queries %d (no outputs %d); columns fixed by the query %d, of which output names equal the oracle's %d (%.2f%%), in the same order %d (%.2f%%)",
		c.Queries, c.NoOutputs, c.Eligible, c.Equal, c.Rate(), c.OrderedEqual, Pct(c.OrderedEqual, c.Eligible))
}

// CompareColumns compares, for every query read through ingest that the
// oracle accepts without error, the names of the rule's Outputs with the
// oracle's result columns, among the queries whose columns their text fixes.
func CompareColumns(queries []*Query, answers []*Answer) *ColumnsReport {
	c := &ColumnsReport{}
	for i, q := range queries {
		a := answers[i]
		if q.Rule == nil || a == nil || !a.Accepts() || q.Rule.HasErrors() {
			continue
		}
		cols, tabular := a.ColumnNames()
		if !tabular {
			continue
		}
		c.Queries++
		if len(q.Rule.Outputs) == 0 {
			c.NoOutputs++
			continue
		}
		if !fixesColumns(q.Rule) {
			continue
		}
		var outs []string
		wild := false
		for _, o := range q.Rule.Outputs {
			if strings.Contains(o.Name, "*") {
				wild = true
			}
			outs = append(outs, o.Name)
		}
		if wild {
			continue
		}
		c.Eligible++
		if slices.Equal(outs, cols) {
			c.OrderedEqual++
		}
		so, sc := Set(outs), Set(cols)
		if slices.Equal(so, sc) {
			c.Equal++
			continue
		}
		c.Mismatches = append(c.Mismatches, Disagreement{Query: q, Class: "columns differ", Detail: SetDiff(so, sc)})
	}
	return c
}

// WriteMismatches writes the figures and every mismatch with its query.
func (c *ColumnsReport) WriteMismatches(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# kqldiff: output fields against Kusto.Language's result columns\n%s\n", c)
	for _, d := range c.Mismatches {
		fmt.Fprintf(&b, "\n=== %s  %s\n", d.Query.Where(), d.Detail)
		b.WriteString(indent(d.Query.Text))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
