package web

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"time"
)

// The OpenAPI 3.1 document of the API (/api/v1/openapi.json) is made from
// the route table (apiroutes.go): the routes the server registers, their
// parameters, and JSON Schemas (2020-12, as OpenAPI 3.1 has them) made by
// reflection from the Go types the handlers answer with, as encoding/json
// writes them. Structs are components, referred to by $ref (which lets the
// recursive rule stages be described). TestOpenAPI validates the document
// and every route's answers against it.
//
// https://spec.openapis.org/oas/v3.1.0 (document); https://json-schema.org/draft/2020-12 (schemas)

// schemaGen makes JSON Schemas of Go types, collecting the components.
type schemaGen struct {
	components map[string]map[string]any
	names      map[reflect.Type]string
}

func newSchemaGen() *schemaGen {
	return &schemaGen{components: map[string]map[string]any{}, names: map[reflect.Type]string{}}
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	rawJSONType = reflect.TypeFor[json.RawMessage]()
	marshalerT  = reflect.TypeFor[json.Marshaler]()
)

// of returns the schema of values of t.
func (g *schemaGen) of(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawJSONType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.of(t.Elem())
		return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Implements(marshalerT) && t.PkgPath() == reflect.TypeFor[ruleJSON]().PkgPath() {
			// A wrapper of this package that marshals something else
			// (ruleJSON): described by its route, not reflected.
			return map[string]any{}
		}
		return g.ref(t)
	}
	return map[string]any{}
}

// ref returns a $ref to the component of struct type t, making it first.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	name, ok := g.names[t]
	if !ok {
		name = componentName(t)
		for n := 2; g.components[name] != nil; n++ {
			name = componentName(t) + strings.Repeat("_", n-1)
		}
		g.names[t] = name
		g.components[name] = map[string]any{} // taken, for recursive types
		g.components[name] = g.object(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// componentName names the component of t: its package and type names
// (rule.Rule: RuleRule, web.Result: Result), exported-looking.
func componentName(t reflect.Type) string {
	name := t.Name()
	if name == "" {
		return "Object"
	}
	name = strings.ToUpper(name[:1]) + name[1:]
	pkg := t.PkgPath()
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i+1:]
	}
	if pkg == "web" || pkg == "" {
		return name
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + name
}

// jsonField is a field as encoding/json writes it.
type jsonField struct {
	name      string
	omitEmpty bool
	typ       reflect.Type
	depth     int
}

// jsonFields returns the fields encoding/json writes of struct t, in
// order: embedded structs' fields promoted, a shallower field hiding a
// deeper one of the same name.
func jsonFields(t reflect.Type) []jsonField {
	var all []jsonField
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, depth+1)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			omit := false
			for _, o := range strings.Split(opts, ",") {
				omit = omit || o == "omitempty" || o == "omitzero"
			}
			all = append(all, jsonField{name: name, omitEmpty: omit, typ: ft, depth: depth})
		}
	}
	walk(t, 0)
	best := map[string]int{}
	count := map[string]int{}
	for _, f := range all {
		if d, ok := best[f.name]; !ok || f.depth < d {
			best[f.name], count[f.name] = f.depth, 1
		} else if f.depth == d {
			count[f.name]++
		}
	}
	var out []jsonField
	for _, f := range all {
		if f.depth == best[f.name] && count[f.name] == 1 {
			out = append(out, f)
		}
	}
	return out
}

// object is the schema of struct t: every field it writes, those without
// omitempty required, no other property.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range jsonFields(t) {
		props[f.name] = g.of(f.typ)
		if !f.omitEmpty {
			required = append(required, f.name)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		sort.Strings(required)
		s["required"] = required
	}
	return s
}

// schemaOf returns the schema of v's type.
func (g *schemaGen) schemaOf(v any) map[string]any { return g.of(reflect.TypeOf(v)) }
