package kql

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/testcorpus"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// TestGolden parses each testdata/golden/*.kql and compares what the parse
// gives with its .golden file: the errors, the summary, the printed query
// and the tree, one node a line with its span and source text (pipes and
// the keywords of operators and clauses with theirs). go test -update
// rewrites the .golden files; a .golden file without its .kql fails.
func TestGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/golden/*.kql")
	if len(inputs) == 0 {
		t.Fatal("no testdata/golden/*.kql")
	}
	goldens, _ := filepath.Glob("testdata/golden/*.golden")
	for _, g := range goldens {
		if _, err := os.Stat(strings.TrimSuffix(g, ".golden") + ".kql"); err != nil {
			t.Errorf("%s has no .kql input", g)
		}
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := dumpParse(src)
			path := strings.TrimSuffix(in, ".kql") + ".golden"
			testcorpus.Golden(t, path, []byte(got), *update)
		})
	}
}

// dumpParse writes what Parse makes of src, for the golden files.
func dumpParse(src []byte) string {
	s, errs := Parse(src)
	var b strings.Builder
	b.WriteString("== errors\n")
	b.WriteString(errs.String())
	sum := Summarize(s)
	fmt.Fprintf(&b, "== summary\ntables %q\noperators %q\nfunctions %q\n", sum.Tables, sum.Operators, sum.Functions)
	b.WriteString("== printed\n")
	b.WriteString(Print(s))
	b.WriteString("\n== tree\n")
	text := func(pos, end int) string {
		q := string(src[pos:end])
		if len(q) > 40 {
			q = q[:40] + "…"
		}
		return fmt.Sprintf("[%d,%d) %q", pos, end, q)
	}
	depth := 0
	Walk(s, func(n Node) bool {
		ind := strings.Repeat("  ", depth)
		depth++
		pos, end := n.Span()
		name := reflect.TypeOf(n).Elem().Name()
		switch n := n.(type) {
		case *Script:
			fmt.Fprintf(&b, "%sScript\n", ind)
			return true
		case *PipeExpr:
			fmt.Fprintf(&b, "%sPipeExpr %s pipe %d\n", ind, text(pos, end), n.Pipe)
			return true
		case *Operator:
			np, ne := n.NameSpan()
			fmt.Fprintf(&b, "%sOperator %s name %s\n", ind, text(pos, end), text(np, ne))
			return true
		case *Clause:
			fmt.Fprintf(&b, "%sClause %q %s keyword %s\n", ind, n.Keyword, text(pos, end), text(n.KwPos, n.KwEnd))
			return true
		case *BinaryExpr:
			fmt.Fprintf(&b, "%sBinaryExpr %q %s\n", ind, n.Op, text(pos, end))
			return true
		}
		fmt.Fprintf(&b, "%s%s %s\n", ind, name, text(pos, end))
		return true
	}, func(Node) { depth-- })
	return b.String()
}
