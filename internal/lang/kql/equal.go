package kql

import "reflect"

// Equal tells whether two trees are the same, positions aside: the same
// nodes with the same names, operators, literals and structure.
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
		for i := 0; i < t.NumField(); i++ {
			switch t.Field(i).Name {
			case "Pos", "End", "OpPos", "Pipe", "KwPos", "KwEnd", "Src", "Comments":
				continue
			}
			if t == reflect.TypeOf(Literal{}) && t.Field(i).Name == "Raw" {
				continue // "a" "b" and "ab"; 'x' and "x": the value is compared
			}
			if !equalValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return a.Equal(b)
}
