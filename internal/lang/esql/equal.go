package esql

import (
	"reflect"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

var spanType = reflect.TypeFor[diag.Span]()

// Equal tells whether a and b are the same tree, spans aside: the same node
// types, texts, values and children.
func Equal(a, b Node) bool {
	return equalValue(reflect.ValueOf(a), reflect.ValueOf(b))
}

func equalValue(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValue(a.Elem(), b.Elem())
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Type() != b.Type() {
			return false
		}
		return equalValue(a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() != b.Type() {
			return false
		}
		if a.Type() == spanType {
			return true
		}
		for i := range a.NumField() {
			if !equalValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Type().Elem() == spanType {
			return a.Len() == b.Len()
		}
		if a.Len() != b.Len() || a.IsNil() != b.IsNil() && a.Len() == 0 && a.Type().Elem().Kind() == reflect.Pointer && isNilMeaningful(a.Type()) {
			return false
		}
		for i := range a.Len() {
			if !equalValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return a.Uint() == b.Uint()
	}
	return a.Interface() == b.Interface()
}

// isNilMeaningful tells whether a nil slice of type t says something an
// empty one does not: FromCommand.Metadata (nil: no METADATA clause).
func isNilMeaningful(t reflect.Type) bool {
	return t == reflect.TypeFor[[]*NamePart]()
}
