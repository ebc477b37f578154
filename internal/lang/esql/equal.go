package esql

import (
	"reflect"

	"github.com/ruledex/ruledex/internal/lang/tree"
)

// Equal tells whether a and b are the same tree, spans aside: the same node
// types, texts, values and children.
func Equal(a, b Node) bool {
	return tree.Equal(a, b, tree.Options{NilMatters: isNilMeaningful})
}

// isNilMeaningful tells whether a nil slice of type t says something an
// empty one does not: FromCommand.Metadata (nil: no METADATA clause).
func isNilMeaningful(t reflect.Type) bool {
	return t == reflect.TypeFor[[]*NamePart]()
}
