package config

import (
	"slices"
	"strings"
	"testing"
)

func TestParseLint(t *testing.T) {
	src := "lint:\n  disable: [description-missing, attack-missing]\nsources:\n  - name: a\n    path: a\n    lint:\n      disable: x-check, y-check\n  - name: b\n    path: b\n"
	cfg, err := Parse("/w/ruledex.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.LintDisable, []string{"description-missing", "attack-missing"}) {
		t.Errorf("lint disable %q", cfg.LintDisable)
	}
	if len(cfg.Sources) != 2 || !slices.Equal(cfg.SourceLintDisable["a"], []string{"x-check", "y-check"}) || len(cfg.SourceLintDisable) != 1 {
		t.Errorf("sources %+v", cfg.Sources)
	}
	for _, bad := range []string{"lint: [a]\n", "lint:\n  enable: [a]\n", "lint:\n  disable: {a: b}\n"} {
		if _, err := Parse("/w/ruledex.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "lint") {
			t.Errorf("%q: error %v, want one about lint", bad, err)
		}
	}
}
