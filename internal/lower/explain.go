// Package lower holds what the lowerings of every language share: the
// sentences of explanations made from the model, and helpers for reading
// rule metadata. Each language's lowering is its own package under
// internal/lower/<language> (see package lang for how a language registers).
package lower

import (
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// Sentences of explanations made from the model alone: a predicate, a list
// of fields, a time window. Each says what the model holds, no more.

const MaxSentenceValues = 4

// DescribePredicate says a predicate in words: `OperationNameValue equals
// (ignoring case) "a" or "b"`, `CommandLine does not contain "x"`.
func DescribePredicate(p rule.Predicate) string {
	field := p.Field
	if field == "" {
		field = "any field"
	}
	var verb string
	conj := "or"
	switch p.Kind {
	case rule.OpEq:
		verb = "is"
		if p.Negated {
			verb = "is not"
			conj = "nor"
		}
	case rule.OpNe:
		verb, conj = "is not", "nor"
	case rule.OpIn:
		verb = "is one of"
		if p.Negated {
			verb = "is none of"
		}
		conj = "and"
	case rule.OpContains:
		verb = Neg(p.Negated, "contains", "does not contain")
	case rule.OpStartsWith:
		verb = Neg(p.Negated, "starts with", "does not start with")
	case rule.OpEndsWith:
		verb = Neg(p.Negated, "ends with", "does not end with")
	case rule.OpHas:
		verb = Neg(p.Negated, "has the term", "does not have the term")
	case rule.OpHasAny:
		verb = Neg(p.Negated, "has any of the terms", "has none of the terms")
		conj = "and"
	case rule.OpHasAll:
		verb = Neg(p.Negated, "has all of the terms", "lacks one of the terms")
		conj = "and"
	case rule.OpRegex:
		verb = Neg(p.Negated, "matches the regular expression", "does not match the regular expression")
	case rule.OpGt:
		verb = "is greater than"
	case rule.OpGe:
		verb = "is at least"
	case rule.OpLt:
		verb = "is less than"
	case rule.OpLe:
		verb = "is at most"
	case rule.OpBetween:
		verb = Neg(p.Negated, "is between", "is not between")
		if len(p.Values) == 2 {
			return field + " " + verb + " " + p.Values[0] + " and " + p.Values[1]
		}
	case rule.OpExists:
		return field + Neg(p.Negated, " is not empty", " is empty")
	case rule.OpCIDR:
		verb = Neg(p.Negated, "is in the network", "is outside the network")
	case rule.OpKeyword:
		verb = Neg(p.Negated, "holds", "does not hold")
	default:
		verb = p.Kind
	}
	if p.All && p.Kind != rule.OpHasAll {
		conj = "and"
	}
	s := field + " " + verb + " " + QuotedList(p.Values, conj)
	if !HasLetters(p.Values) {
		return s
	}
	if p.CaseSensitive && CaseMatters(p.Kind) {
		s += " (case-sensitive)"
	} else if !p.CaseSensitive && CaseMatters(p.Kind) && p.Kind != rule.OpHas && p.Kind != rule.OpHasAny && p.Kind != rule.OpHasAll && p.Kind != rule.OpContains {
		s += " (ignoring case)"
	}
	return s
}

func CaseMatters(kind string) bool {
	switch kind {
	case rule.OpEq, rule.OpNe, rule.OpIn, rule.OpContains, rule.OpStartsWith, rule.OpEndsWith, rule.OpHas, rule.OpHasAny, rule.OpHasAll:
		return true
	}
	return false
}

func Neg(n bool, pos, negated string) string {
	if n {
		return negated
	}
	return pos
}

// QuotedList quotes values and joins them as in a sentence, eliding after a
// few: `"a", "b" or "c"`, `"a", "b", "c", "d" or 3 more`.
func QuotedList(vs []string, conj string) string {
	q := make([]string, 0, min(len(vs), MaxSentenceValues))
	for i, v := range vs {
		if i == MaxSentenceValues {
			break
		}
		if IsNumber(v) || strings.HasPrefix(v, "(query") {
			q = append(q, v)
			continue
		}
		// as written: the reader sees C:\Windows, not an escaped C:\\Windows
		q = append(q, `"`+v+`"`)
	}
	if len(vs) > MaxSentenceValues {
		q = append(q, strconv.Itoa(len(vs)-MaxSentenceValues)+" more")
	}
	return JoinWords(q, conj)
}

// FieldList joins field names for a sentence, eliding after many.
func FieldList(fs []string) string {
	const most = 8
	if len(fs) > most {
		return strings.Join(fs[:most], ", ") + " and " + strconv.Itoa(len(fs)-most) + " more"
	}
	return JoinWords(fs, "and")
}

// IsNumber tells whether v is a plain number (written without quotes).
func IsNumber(v string) bool {
	if v == "" {
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err == nil
}

// HasLetters tells whether any value has a letter, so that case matters.
func HasLetters(vs []string) bool {
	for _, v := range vs {
		for _, c := range v {
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c > 127 {
				return true
			}
		}
	}
	return false
}

// JoinWords joins words as in a sentence: "a", "a or b", "a, b or c".
func JoinWords(ws []string, conj string) string {
	switch len(ws) {
	case 0:
		return ""
	case 1:
		return ws[0]
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " " + conj + " " + ws[len(ws)-1]
}
