package kqldiff

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestOperatorKeyword(t *testing.T) {
	for _, c := range []struct {
		kind, kw string
		ok       bool
	}{
		{"FilterOperator", "where", true},
		{"ProjectAwayOperator", "project-away", true},
		{"MvExpandOperator", "mv-expand", true},
		{"MvApplyOperator", "mv-apply", true},
		{"SortOperator", "sort", true},
		{"TakeOperator", "take", true},
		{"ParseKvOperator", "parse-kv", true},
		{"MakeSeriesOperator", "make-series", true},
		{"TopNestedOperator", "top-nested", true},
		{"ReduceByOperator", "reduce", true},
		{"BadQueryOperator", "", true},
		{"GraphMatchPattern", "", true},
		{"NoSuchOperator", "", false},
	} {
		kw, ok := OperatorKeyword(c.kind)
		if kw != c.kw || ok != c.ok {
			t.Errorf("OperatorKeyword(%s) = %q, %v; want %q, %v", c.kind, kw, ok, c.kw, c.ok)
		}
	}
}

func TestParseKinds(t *testing.T) {
	if _, err := parseKinds("A a\nA b\n"); err == nil {
		t.Error("a kind given twice is accepted")
	}
	if _, err := parseKinds("A\n"); err == nil {
		t.Error("a line without a keyword is accepted")
	}
	for _, k := range OperatorKinds() {
		kw, _ := OperatorKeyword(k)
		if kw != strings.ToLower(kw) || strings.ContainsAny(kw, " _") {
			t.Errorf("%s: keyword %q is not a KQL keyword's spelling", k, kw)
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"operators", NormalizeOperators([]string{"filter", "where", "limit", "order", "mvexpand", "Project-Away", ""}),
			[]string{"mv-expand", "project-away", "sort", "take", "where"}},
		{"oracle operators", NormalizeOracleOperators([]string{"FilterOperator", "BadQueryOperator", "SortOperator", "FilterOperator", "NewOperator"}),
			[]string{"?NewOperator", "sort", "where"}},
		{"tables", NormalizeTables([]string{"['My Table']", `["T"]`, "T", "Device*", "SigninLogs", ""}),
			[]string{"My Table", "SigninLogs", "T"}},
		{"functions", NormalizeFunctions([]string{"toscalar", "materialize", "count", "tostring", "ToString", "count"}),
			[]string{"ToString", "count", "tostring"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}

// TestOperatorKindsComplete asks Kusto.Language itself, when its npm package
// is installed, for every class that derives from QueryOperator, and checks
// that the table names each.
func TestOperatorKindsComplete(t *testing.T) {
	home := os.Getenv("KQL_ORACLE_HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			t.Skip(err)
		}
		home = filepath.Join(h, ".cache", "kql-oracle")
	}
	mods := filepath.Join(home, "node_modules")
	if _, err := os.Stat(filepath.Join(mods, "@kusto", "language-service-next", "bridge.min.js")); err != nil {
		t.Skipf("Kusto.Language's npm package is not installed in %s (kql-oracle installs it on first use)", home)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH")
	}
	const script = `require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const S = Kusto.Language.Syntax;
for (const k of Object.keys(S)) { const c = S[k];
  if (typeof c === 'function' && c !== S.QueryOperator && Bridge.Reflection.isAssignableFrom(S.QueryOperator, c)) console.log(k); }`
	cmd := exec.Command(node, "-e", script)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("node: %v", err)
	}
	kinds := strings.Fields(string(out))
	if len(kinds) < 40 {
		t.Fatalf("Kusto.Language lists only %d query operators: %v", len(kinds), kinds)
	}
	for _, k := range kinds {
		if _, ok := OperatorKeyword(k); !ok {
			t.Errorf("Kusto.Language's query operator %s is not in data/operator_kinds.txt", k)
		}
	}
}
