package yamlbound

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// nodes counts the nodes of a parsed YAML text.
func nodes(t *testing.T, text string) int {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, text)
	}
	c, _, _ := Count(&n, 1<<30, 1<<30)
	return c
}

// estimate returns the count NodesAt compares with its limit.
func estimate(text string) int {
	lo, hi := 1, len(text)+2
	for lo < hi { // the least max at which NodesAt finds no excess
		m := (lo + hi) / 2
		if NodesAt([]byte(text), m) < 0 {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// TestNodesAtBound: the estimate is at least a third of the real node count
// for every shape of YAML, so that a file under the limit cannot make more
// than three times its nodes.
func TestNodesAtBound(t *testing.T) {
	for _, text := range []string{
		"a: 1\nb: [1, 2, {c: d}]\n",
		"- a\n- b\n- - c\n  - d\n",
		"a: &x [1, 2, 3]\nb: *x\nc: *x\n",
		"? a\n: b\n",
		"{a: 1, b: [x, y, z], 'c': \"d\"}\n",
		"a:\n  - {b: 1}\n  - [1, [2, [3]]]\n",
		"\"a\":1\n'b':2\n",
		"a: |\n  x, y\nb: [1,2,3]\n",
		strings.Repeat("- [a, b, c]\n", 50),
	} {
		if e, n := estimate(text), nodes(t, text); 3*e < n {
			t.Errorf("estimate %d, but %d nodes (more than three times) in\n%s", e, n, text)
		}
	}
}

// TestNodesAtScalars: what is inside a scalar is not counted: a query with
// 60,000 commas (plain, block or quoted) is a handful of nodes.
func TestNodesAtScalars(t *testing.T) {
	commas := strings.Repeat("a, ", 60000)
	for name, text := range map[string]string{
		"block scalar":     "name: x\nquery: |\n  T\n  | project " + commas + "b\n  | where c == '[{'\nlevel: high\n",
		"folded scalar":    "query: >-\n  " + commas + "\n  " + commas + "\nx: 1\n",
		"plain scalar":     "query: T | project " + commas + "b\n",
		"multi-line plain": "query: T\n  | project " + commas + "\n  | take 1\n",
		"double-quoted":    "query: \"T | project " + commas + " \\\" ,[ \"\n",
		"single-quoted":    "query: 'T | project " + commas + " '' ,[ '\n",
		"comment":          "a: 1 # " + commas + "\n",
		"star in plain":    "query: T | project * , " + strings.Repeat("*, ", 1000) + "\n",
	} {
		if off := NodesAt([]byte(text), 100); off >= 0 {
			t.Errorf("%s: refused at %d as more than 100 nodes", name, off)
		}
		nodes(t, text) // it is valid YAML
	}
	// The same commas in a flow sequence are nodes.
	if NodesAt([]byte("a: ["+commas+"b]\n"), 50000) < 0 {
		t.Error("a flow sequence of 60,000 entries is not refused")
	}
	// An alias bomb's indicators are all counted.
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 3; i++ {
		name := string(rune('b' + i))
		bomb += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	if e := estimate(bomb); e < 40 {
		t.Errorf("alias bomb estimated at %d", e)
	}
}
