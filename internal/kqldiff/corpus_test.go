package kqldiff

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
)

// Thresholds of issue 2 and 3.
const (
	minAcceptRate  = 99.5 // of the queries the oracle accepts, ruledex accepts
	minRejectRate  = 95.0 // of those it rejects, ruledex reports an error
	minSetRate     = 99.0 // of those both accept, tables, operators and functions all equal
	minColumnsRate = 97.0 // of the queries whose columns the text fixes, output names equal
)

// failuresFile is where the disagreements go, for the parser's engineer.
const failuresFile = "/tmp/kqldiff-failures.txt"

var corpusRun struct {
	once    sync.Once
	queries []*Query
	answers []*Answer
	info    []FolderQueries
	misses  int
	skip    string
	err     error
}

// corpusAnswers reads the corpus's KQL queries and the oracle's answers for
// them, once per test binary; it skips the test when either is missing.
func corpusAnswers(t *testing.T) ([]*Query, []*Answer) {
	t.Helper()
	c := &corpusRun
	c.once.Do(func() {
		dir, err := FindCorpus()
		if err != nil {
			c.skip = err.Error()
			return
		}
		o, err := FindOracle()
		if err != nil {
			c.skip = err.Error()
			return
		}
		c.queries, c.info, c.err = LoadQueries(context.Background(), dir)
		if c.err != nil {
			return
		}
		texts := make([]string, len(c.queries))
		for i, q := range c.queries {
			texts[i] = q.Text
		}
		c.answers, c.err = o.Analyze(context.Background(), texts)
		c.misses = o.Misses
		if c.err != nil && !errors.Is(c.err, context.Canceled) {
			c.skip = "the KQL oracle does not run here: " + c.err.Error()
			c.err = nil
		}
	})
	if c.skip != "" {
		t.Skip(c.skip)
	}
	if c.err != nil {
		t.Fatal(c.err)
	}
	for _, f := range c.info {
		t.Logf("%-22s %5d queries via %s", f.Folder, f.Queries, f.Via)
	}
	t.Logf("%d queries, %d answered by the oracle now, the rest from its cache", len(c.queries), c.misses)
	return c.queries, c.answers
}

func TestOracleAgreement(t *testing.T) {
	queries, answers := corpusAnswers(t)
	acc, rej, failed := 0, 0, 0
	for _, a := range answers {
		switch {
		case a.Failed != "":
			failed++
		case a.Accepts():
			acc++
		default:
			rej++
		}
	}
	t.Logf("the oracle accepts %d queries, rejects %d, fails on %d", acc, rej, failed)
	if ruledexParser == nil {
		t.Skip("internal/lang/kql is not wired yet: nothing to compare the oracle with")
	}
	r := Compare(queries, answers, ruledexParser)
	t.Logf("\n%s", r)
	if f, err := os.Create(failuresFile); err == nil {
		r.WriteFailures(f)
		f.Close()
		t.Logf("disagreements written to %s", failuresFile)
	}
	for i, c := range r.TopClasses() {
		if i == 15 {
			break
		}
		t.Logf("%5d  %s  (e.g. %s)", c.Count, c.Key, c.Where)
	}
	if r.AcceptRate() < minAcceptRate {
		t.Errorf("ruledex accepts %.2f%% of the queries the oracle accepts, want >= %.1f%%", r.AcceptRate(), minAcceptRate)
	}
	if r.RejectRate() < minRejectRate {
		t.Errorf("ruledex reports an error in %.2f%% of the queries the oracle rejects, want >= %.1f%%", r.RejectRate(), minRejectRate)
	}
	if r.SetRate() < minSetRate {
		t.Errorf("tables, operators and functions all equal in %.2f%% of the queries both accept, want >= %.1f%%", r.SetRate(), minSetRate)
	}
}

func TestOutputColumns(t *testing.T) {
	queries, answers := corpusAnswers(t)
	c := CompareColumns(queries, answers)
	if c.Queries == 0 {
		t.Skip("no KQL rule is read through ingest yet (the KQL rule sources are not there): no output fields to compare")
	}
	if c.NoOutputs == c.Queries {
		t.Skip("the KQL lowering yields no output fields yet: nothing to compare the oracle's columns with")
	}
	t.Logf("%s", c)
	const file = "/tmp/kqldiff-columns.txt"
	if f, err := os.Create(file); err == nil {
		c.WriteMismatches(f)
		f.Close()
		t.Logf("mismatches written to %s", file)
	}
	if c.Rate() < minColumnsRate {
		t.Errorf("output names equal the oracle's columns in %.2f%% of the queries whose columns the text fixes, want >= %.0f%%", c.Rate(), minColumnsRate)
	}
}

// BenchmarkOracleCached measures a fully cached Analyze over the corpus's
// queries: what every test run after the first pays for the oracle.
func BenchmarkOracleCached(b *testing.B) {
	dir, err := FindCorpus()
	if err != nil {
		b.Skip(err)
	}
	o, err := FindOracle()
	if err != nil {
		b.Skip(err)
	}
	queries, _, err := LoadQueries(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	texts := make([]string, len(queries))
	n := 0
	for i, q := range queries {
		texts[i] = q.Text
		n += len(q.Text)
	}
	if _, err := o.Analyze(context.Background(), texts); err != nil { // fill the cache
		b.Skip(err)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := o.Analyze(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(texts)), "queries/op")
}
