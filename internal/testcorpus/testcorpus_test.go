package testcorpus

import (
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records what Golden reports.
type fakeTB struct {
	testing.TB
	errs []string
}

func (f *fakeTB) Helper()      {}
func (f *fakeTB) Name() string { return "TestFake" }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, format)
}

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.json")
	f := &fakeTB{TB: t}
	if Golden(f, path, []byte("a\nb\n"), false) || len(f.errs) != 1 {
		t.Fatalf("a missing golden file: %v", f.errs)
	}
	if !Golden(t, path, []byte("a\nb\n"), true) {
		t.Fatal("update did not write")
	}
	if !Golden(t, path, []byte("a\nb\n"), false) {
		t.Fatal("the same output differs")
	}
	f = &fakeTB{TB: t}
	if Golden(f, path, []byte("a\nc\n"), false) || len(f.errs) != 1 {
		t.Fatalf("another output: %v", f.errs)
	}
	if d := FirstDiff("a\nb\n", "a\nc\n"); !strings.HasPrefix(d, "line 2:") {
		t.Errorf("FirstDiff: %q", d)
	}
}

func TestFindRoot(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("RULEDEX_CORPUS", dir)
	if got, ok := Find(); got != dir || !ok {
		t.Errorf("Find() = %q, %v; want %q, true", got, ok, dir)
	}
	if _, ok := Find("nothing-here"); ok {
		t.Error("Find of an absent folder says it exists")
	}
}
