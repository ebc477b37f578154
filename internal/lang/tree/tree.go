// Package tree holds what every front end's syntax tree shares: Equal,
// the comparison of two trees with positions aside, which the round-trip
// tests (parse, print, parse again) and the fuzz targets rest on.
package tree

import (
	"reflect"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Options say what a language's Equal leaves out besides positions.
type Options struct {
	// Skip tells whether field f of the struct type owner is left out: an
	// offset kept as an int, the source text, comments, a literal's raw
	// spelling where the value is compared.
	Skip func(owner reflect.Type, f reflect.StructField) bool
	// NilMatters tells whether a nil slice of type t says something an
	// empty one does not (a clause absent, not empty).
	NilMatters func(t reflect.Type) bool
}

var (
	spanType  = reflect.TypeFor[diag.Span]()
	spansType = reflect.TypeFor[[]diag.Span]()
)

// Equal tells whether a and b are the same tree, positions aside: the same
// node types with the same fields, walked by reflection, every diag.Span
// (and list of them) and every field o.Skip names left out.
func Equal(a, b any, o Options) bool {
	return o.equal(reflect.ValueOf(a), reflect.ValueOf(b))
}

func (o Options) equal(a, b reflect.Value) bool {
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
		return o.equal(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Type() == spansType {
			return true
		}
		if a.Len() != b.Len() || a.Len() == 0 && a.IsNil() != b.IsNil() && o.NilMatters != nil && o.NilMatters(a.Type()) {
			return false
		}
		for i := range a.Len() {
			if !o.equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			if !o.equal(a.MapIndex(k), b.MapIndex(k)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		t := a.Type()
		if t == spanType {
			return true
		}
		for i := range t.NumField() {
			if f := t.Field(i); f.Type == spanType || f.Type == spansType || o.Skip != nil && o.Skip(t, f) {
				continue
			}
			if !o.equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return a.IsNil() == b.IsNil()
	}
	return a.Equal(b)
}
