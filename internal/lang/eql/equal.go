package eql

import (
	"reflect"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

var (
	spanType  = reflect.TypeOf(diag.Span{})
	spansType = reflect.TypeOf([]diag.Span(nil))
	toksType  = reflect.TypeOf([]Token(nil))
)

// Equal tells whether two trees are the same, positions aside: the same
// nodes, operators, names and literals (as written), in the same
// structure. Spans, the source text and comments are ignored.
func Equal(a, b Node) bool {
	return equalValue(reflect.ValueOf(a), reflect.ValueOf(b))
}

func equalValue(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValue(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equalValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		t := a.Type()
		for i := 0; i < t.NumField(); i++ {
			ft := t.Field(i)
			if ft.Type == spanType || ft.Type == spansType || ft.Type == toksType || ft.Name == "Src" {
				continue
			}
			if !equalValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return a.Equal(b)
}
