package diag

import (
	"strings"
	"testing"
)

func TestPosition(t *testing.T) {
	src := []byte("ab\nçé x\n\nz")
	cases := []struct{ off, line, col int }{
		{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {5, 2, 2}, {7, 2, 3}, {8, 2, 4}, {9, 2, 5}, {10, 3, 1}, {11, 4, 1}, {99, 4, 2},
	}
	ix := NewLines(src)
	for _, c := range cases {
		if l, col := ix.Position(c.off); l != c.line || col != c.col {
			t.Errorf("Lines.Position(%d) = %d:%d, want %d:%d", c.off, l, col, c.line, c.col)
		}
		if l, col := Position(src, c.off); l != c.line || col != c.col {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", c.off, l, col, c.line, c.col)
		}
		if c.off <= len(src) && (c.off == 0 || src[c.off-1] != 0xc3) {
			if got := ix.Offset(c.line, c.col); got != c.off {
				t.Errorf("Offset(%d, %d) = %d, want %d", c.line, c.col, got, c.off)
			}
		}
	}
}

func TestErrorListAdd(t *testing.T) {
	var l ErrorList
	if !l.Add(Span{3, 4}, Error, "x") || l.Add(Span{3, 5}, Error, "x") {
		t.Fatal("a repeat at the same offset must be dropped")
	}
	l.Add(Span{1, 2}, Warning, "w")
	l.Sort()
	if l[0].Msg != "w" || l.Err() == nil || !l.HasErrors() {
		t.Fatalf("sorted list: %v", l)
	}
	for i := range 2 * MaxErrors {
		l.Addf(Span{10 + i, 11 + i}, Error, "e%d", i)
	}
	if len(l) != MaxErrors+1 || !strings.Contains(l[MaxErrors].Msg, "too many") {
		t.Fatalf("cap: %d entries, last %q", len(l), l[len(l)-1].Msg)
	}
	l.Locate([]byte("a\nbcdefghijklmnop"))
	if l[0].Line != 1 || l[0].Col != 2 || l[1].Line != 2 || l[1].Col != 2 {
		t.Fatalf("located: %v %v", l[0], l[1])
	}
	if got := l[0].Error(); got != "1:2: warning: w" {
		t.Fatalf("Error() = %q", got)
	}
	var w ErrorList
	w.Add(Span{}, Warning, "only a warning")
	if w.Err() != nil {
		t.Fatal("a list of warnings is no error")
	}
}
