package spl

import (
	"reflect"

	"github.com/ruledex/ruledex/internal/lang/tree"
)

// Equal tells whether two trees are the same, positions aside: the same
// nodes with the same names, operators, values and structure. Spans, the
// source text and the comments are not compared.
func Equal(a, b Node) bool {
	return tree.Equal(a, b, tree.Options{Skip: func(_ reflect.Type, f reflect.StructField) bool {
		return f.Name == "Src" || f.Name == "Comments"
	}})
}
