package spl

import (
	"reflect"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

var spanType = reflect.TypeOf(diag.Span{})

// Equal tells whether two trees are the same, positions aside: the same
// nodes with the same names, operators, values and structure. Spans, the
// source text and the comments are not compared.
func Equal(a, b Node) bool {
	return equalValue(reflect.ValueOf(a), reflect.ValueOf(b))
}

func equalValue(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return false
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
		if t == spanType {
			return true
		}
		for i := 0; i < t.NumField(); i++ {
			switch t.Field(i).Name {
			case "Src", "Comments":
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
