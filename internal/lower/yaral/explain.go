package loweryaral

import "github.com/ruledex/ruledex/internal/lower"

// outcomeWords says the functions of an outcome section in words
// (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax#outcome_section_syntax,
// .../yara-l-2-0-functions).
var outcomeWords = lower.Derivation{
	"max":                     "the largest %1",
	"min":                     "the smallest %1",
	"sum":                     "the sum of %1",
	"count":                   "the number of %1",
	"count_distinct":          "the number of distinct %1",
	"array":                   "the list of %1",
	"array_distinct":          "the distinct values of %1",
	"earliest":                "the earliest %1",
	"latest":                  "the latest %1",
	"avg":                     "the average of %1",
	"stddev":                  "the standard deviation of %1",
	"if":                      "%2 when %1, else %3",
	"strings.to_lower":        "%1 in lower case",
	"strings.to_upper":        "%1 in upper case",
	"strings.concat":          "%1 and %2 joined",
	"math.abs":                "the absolute value of %1",
	"timestamp.get_timestamp": "%1 as a timestamp",
}

// outcomeHow says how an outcome variable is made; a constant in an
// aggregate (max(35), the usual risk score) is the constant.
func outcomeHow(expr string) string {
	if name, args, ok := lower.SplitCall(expr); ok && len(args) == 1 && lower.IsNumber(args[0]) {
		switch name {
		case "max", "min", "avg", "earliest", "latest":
			return args[0]
		}
	}
	return outcomeWords.CallWords(expr, 0)
}
