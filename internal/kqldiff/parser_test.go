package kqldiff

import "github.com/ruledex/ruledex/internal/lang/kql"

// ruledexParser is ruledex's KQL parser as the comparison sees it.
var ruledexParser Parser = ParserFunc(parseKQL)

func parseKQL(q string) Parsed {
	s, errs := kql.Parse([]byte(q))
	sum := kql.Summarize(s)
	out := Parsed{Tables: sum.Tables, Operators: sum.Operators, Functions: sum.Functions}
	for _, e := range errs {
		out.Errors = append(out.Errors, e.Error())
	}
	return out
}
