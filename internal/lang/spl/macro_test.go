package spl

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

var testMacros = NewMacroSet([]MacroDef{
	{Name: "sysmon", Definition: "sourcetype=sysmon"},
	{Name: "ctime", Args: []string{"field"}, Definition: "convert timeformat=\"%F\" ctime($field$)"},
	{Name: "pair", Args: []string{"a", "b"}, Definition: "$a$=$b$ `sysmon`"},
	{Name: "pair", Definition: "no_args"}, // the same name, another count
	{Name: "loop", Definition: "x `loop2`"},
	{Name: "loop2", Definition: "y `loop`"},
	{Name: "self", Args: []string{"n"}, Definition: "`self($n$)`"},
	{Name: "d0", Definition: "`d1`"}, {Name: "d1", Definition: "`d2`"}, {Name: "d2", Definition: "`d3`"},
	{Name: "d3", Definition: "`d4`"}, {Name: "d4", Definition: "`d5`"}, {Name: "d5", Definition: "`d6`"},
	{Name: "d6", Definition: "`d7`"}, {Name: "d7", Definition: "`d8`"}, {Name: "d8", Definition: "`d9`"},
	{Name: "d9", Definition: "`d10`"}, {Name: "d10", Definition: "deep"},
	{Name: "d1_", Definition: "`d2`"}, // d1_ → d2 → ... → d10: ten levels
	{Name: "undef_inside", Definition: "a `nowhere` b"},
	{Name: "summaries", Definition: "summariesonly=`cfg`"}, {Name: "cfg", Definition: "true"},
})

func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		src, want, undefined, err string
	}{
		{"`sysmon` EventCode=1", "sourcetype=sysmon EventCode=1", "", ""},
		{"x | `ctime(firstTime)`", "x | convert timeformat=\"%F\" ctime(firstTime)", "", ""},
		{"`pair(user, \"a b\")`", "user=\"a b\" sourcetype=sysmon", "", ""},
		{"`pair(b=2, a=1)`", "1=2 sourcetype=sysmon", "", ""}, // by name
		{"`pair`", "no_args", "", ""},
		{"`pair()`", "no_args", "", ""},
		{"`pair(1)` z", "`pair(1)` z", "pair(1)", ""},
		{"`nope` | `nope2(a)`", "`nope` | `nope2(a)`", "nope nope2(1)", ""},
		{"| tstats `summaries` count", "| tstats summariesonly=true count", "", ""},
		{"`undef_inside`", "a `nowhere` b", "nowhere", ""},
		{"\"`sysmon`\" ```a `sysmon` comment``` `sysmon`", "\"`sysmon`\" ```a `sysmon` comment``` sourcetype=sysmon", "", ""},
		{"a `loop` b", "a x y `loop` b", "", "1:3: macro cycle: loop -> loop2 -> loop"},
		{"`self(1)`", "`self(1)`", "", "1:1: macro cycle: self(1) -> self(1)"},
		{"`d1_`", "deep", "", ""},
		// on a cycle or past the depth, the call that errs stays in place
		{"x `d0`", "x `d10`", "", "1:3: macros nested deeper than 10 (d0 -> d1 -> d2 -> d3 -> d4 -> d5 -> d6 -> d7 -> d8 -> d9 -> d10)"},
	} {
		x, errs := Expand(tc.src, testMacros)
		if tc.err != "" {
			if len(errs) == 0 || errs[0].Error() != tc.err {
				t.Errorf("Expand(%q) errors %v, want %q", tc.src, errs, tc.err)
			}
		} else if len(errs) > 0 {
			t.Errorf("Expand(%q): %v", tc.src, errs)
		}
		if x.Text != tc.want {
			t.Errorf("Expand(%q) = %q, want %q", tc.src, x.Text, tc.want)
		}
		var und []string
		for _, u := range x.Undefined {
			und = append(und, u.Key)
		}
		if got := strings.Join(und, " "); got != tc.undefined {
			t.Errorf("Expand(%q) undefined = %q, want %q", tc.src, got, tc.undefined)
		}
	}
}

// TestExpandOrigin checks the map from the expanded text back to the
// source's macro calls.
func TestExpandOrigin(t *testing.T) {
	src := "a `sysmon` b | `ctime(t)` c"
	x, errs := Expand(src, testMacros)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(x.Calls) != 2 {
		t.Fatalf("calls %v", x.Calls)
	}
	for _, c := range x.Calls {
		if got := src[c.Src.Start:c.Src.End]; got != "`sysmon`" && got != "`ctime(t)`" {
			t.Errorf("call source %q", got)
		}
	}
	// a span inside the first expansion goes to the whole first call
	i := strings.Index(x.Text, "sysmon")
	if got := x.Origin(diag.Span{Start: i, End: i + 3}); src[got.Start:got.End] != "`sysmon`" {
		t.Errorf("Origin inside the expansion = %v %q", got, src[got.Start:got.End])
	}
	// a span after both expansions is shifted back
	j := strings.LastIndex(x.Text, "c")
	if got := x.Origin(diag.Span{Start: j, End: j + 1}); src[got.Start:got.End] != "c" || got.Start != len(src)-1 {
		t.Errorf("Origin after the expansions = %v", got)
	}
	// the b between them
	k := strings.Index(x.Text, " b ") + 1
	if got := x.Origin(diag.Span{Start: k, End: k + 1}); src[got.Start:got.End] != "b" {
		t.Errorf("Origin between = %v", got)
	}
	// a span over a whole expansion and the text around it
	if got := x.Origin(diag.Span{Start: 0, End: len(x.Text)}); got != (diag.Span{Start: 0, End: len(src)}) {
		t.Errorf("Origin of everything = %v", got)
	}
}

// TestExpandBounded checks that macros that call several macros each stop
// at the size bound instead of growing without end.
func TestExpandBounded(t *testing.T) {
	var defs []MacroDef
	for i := 0; i < 10; i++ {
		next := "`m" + string(rune('0'+i+1)) + "`"
		defs = append(defs, MacroDef{Name: "m" + string(rune('0'+i)), Definition: strings.Repeat(next+" ", 20)})
	}
	defs = append(defs, MacroDef{Name: "m:", Definition: "leaf"})
	x, errs := Expand("`m0`", NewMacroSet(defs))
	if len(errs) == 0 {
		t.Errorf("no error for an expansion of 20^10 calls")
	}
	if len(x.Text) > 2*maxExpansion {
		t.Errorf("expansion of %d bytes", len(x.Text))
	}
}
