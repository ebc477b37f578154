package store

import (
	"strings"
	"testing"
	"unsafe"
)

func TestFlatten(t *testing.T) {
	pieces := []string{"", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u0085", "a", "bc", "é", "日本", "x y", "|"}
	var all []string
	for _, a := range pieces {
		for _, b := range pieces {
			for _, c := range pieces {
				all = append(all, a+b+c, b+a+c+a)
			}
		}
	}
	all = append(all, "SecurityEvent\n| where EventID == 4688\n  | project  A, B ", "plain text already")
	for _, s := range all {
		if got, want := flatten(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("flatten(%q) = %q, want %q", s, got, want)
		}
	}
	if s := "one two three"; unsafe.StringData(flatten(s)) != unsafe.StringData(s) {
		t.Error("flatten copied a text that had nothing to change")
	}
}
