package kql

import (
	"reflect"

	"github.com/ruledex/ruledex/internal/lang/tree"
)

// Equal tells whether two trees are the same, positions aside: the same
// nodes with the same names, operators, literals and structure.
func Equal(a, b Node) bool {
	return tree.Equal(a, b, tree.Options{Skip: skipField})
}

var literalType = reflect.TypeFor[Literal]()

// skipField tells which fields Equal leaves out: offsets, the source and
// its comments, and a literal's spelling ("a" "b" and "ab"; 'x' and "x":
// the value is compared).
func skipField(owner reflect.Type, f reflect.StructField) bool {
	switch f.Name {
	case "Pos", "End", "OpPos", "Pipe", "KwPos", "KwEnd", "Src", "Comments":
		return true
	}
	return owner == literalType && f.Name == "Raw"
}
