package eql

import (
	"reflect"

	"github.com/ruledex/ruledex/internal/lang/tree"
)

var toksType = reflect.TypeOf([]Token(nil))

// Equal tells whether two trees are the same, positions aside: the same
// nodes, operators, names and literals (as written), in the same
// structure. Spans, the source text and comments are ignored.
func Equal(a, b Node) bool {
	return tree.Equal(a, b, tree.Options{Skip: func(_ reflect.Type, f reflect.StructField) bool {
		return f.Type == toksType || f.Name == "Src"
	}})
}
