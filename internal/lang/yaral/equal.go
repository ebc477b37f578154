package yaral

import (
	"reflect"

	"github.com/ruledex/ruledex/internal/lang/tree"
)

// Equal tells whether two trees are the same, positions and spelling
// aside: the same nodes with the same names, operators, decoded literal
// values and structure. Fields of Go type int (every offset is one) and
// fields named Raw (literals as written: "a" and `a` are one value) are
// not compared, nor a File's Src, Comments and Bad.
func Equal(a, b Node) bool {
	return tree.Equal(a, b, tree.Options{Skip: func(_ reflect.Type, f reflect.StructField) bool {
		switch f.Name {
		case "Raw", "Src", "Comments", "Bad":
			return true
		}
		return f.Type.Kind() == reflect.Int // every offset is one
	}})
}
