// Package lower turns a rule's query, parsed by its language's front end,
// into the rest of the model: stages, predicates, indicators, outputs,
// params, tables, operators, functions, keywords, events and an explanation.
package lower

import (
	"github.com/ruledex/ruledex/internal/source"
)

// Lowerer fills the query-derived parts of it.Rule.
type Lowerer func(it source.Item)

var lowerers = map[string]Lowerer{}

// Register sets the lowering of a language.
func Register(language string, l Lowerer) { lowerers[language] = l }

// Lower fills the query-derived parts of it.Rule, by its language. A rule in
// a language with no lowering keeps what its source read.
func Lower(it source.Item) {
	if l, ok := lowerers[it.Rule.Language]; ok {
		l(it)
	}
}
