package lowerkql

import (
	_ "embed"
	"strings"
)

//go:embed data/kql_functions.tsv
var kqlFunctionsTSV string

// kqlFunc is how Kusto names the column that an unnamed call of a function
// makes, as Kusto.Language's ResultNameKind says.
type kqlFunc struct {
	aggregate bool
	naming    string // FirstArgument, PrefixAndFirstArgument, NameAndFirstArgument, OnlyArgument, PrefixOnly, FirstArgumentValueIfColumn, None
	prefix    string
}

var kqlFuncs = func() map[string]kqlFunc {
	m := map[string]kqlFunc{}
	for _, line := range strings.Split(kqlFunctionsTSV, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			continue
		}
		p := f[3]
		if p == "-" {
			p = ""
		}
		m[f[0]] = kqlFunc{aggregate: f[1] == "aggregate", naming: f[2], prefix: p}
	}
	return m
}()

// isKQLAggregate tells whether name is an aggregation function.
func isKQLAggregate(name string) bool { return kqlFuncs[strings.ToLower(name)].aggregate }
