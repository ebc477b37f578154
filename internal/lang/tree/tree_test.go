package tree

import (
	"reflect"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

type node interface{ node() }

type leaf struct {
	Span  diag.Span
	Raw   string
	Value string
	Pos   int
}

type branch struct {
	Span  diag.Span
	Ops   []diag.Span
	Kids  []node
	Opt   []*leaf
	Attrs map[string]string
}

func (*leaf) node()   {}
func (*branch) node() {}

func TestEqual(t *testing.T) {
	skip := Options{Skip: func(_ reflect.Type, f reflect.StructField) bool { return f.Name == "Raw" || f.Name == "Pos" }}
	a := &branch{Span: diag.Span{Start: 0, End: 9}, Ops: []diag.Span{{Start: 1, End: 2}}, Kids: []node{&leaf{Raw: `"x"`, Value: "x", Pos: 3}}}
	b := &branch{Span: diag.Span{Start: 5, End: 7}, Kids: []node{&leaf{Raw: `'x'`, Value: "x", Pos: 9}}, Opt: []*leaf{}}
	if !Equal(a, b, skip) {
		t.Error("trees that differ only in positions and raw spellings are not equal")
	}
	if Equal(a, b, Options{}) {
		t.Error("raw spellings compared without Skip, yet equal")
	}
	if Equal(a, b, Options{Skip: skip.Skip, NilMatters: func(reflect.Type) bool { return true }}) {
		t.Error("a nil list equals an empty one where nil matters")
	}
	c := &branch{Kids: []node{&branch{}}}
	if Equal(a, c, skip) || Equal(&branch{Attrs: map[string]string{"a": "1"}}, &branch{Attrs: map[string]string{"a": "2"}}, skip) {
		t.Error("different trees are equal")
	}
	var n1, n2 node
	if !Equal(n1, n2, skip) || Equal(n1, a, skip) {
		t.Error("nil trees")
	}
}
