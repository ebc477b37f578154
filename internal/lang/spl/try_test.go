package spl

import (
	"testing"
)

func TestTryCorpus(t *testing.T) {
	dets, _ := loadCorpus(t)
	bad := 0
	rt := 0
	for _, d := range dets {
		q, errs := Parse([]byte(d.Search))
		if len(errs) > 0 {
			bad++
			if bad < 40 {
				t.Logf("%s: %v\n   %s", d.Path, errs[0], snippet(d.Search, errs[0].Span.Start))
			}
			continue
		}
		out := Print(q)
		q2, errs2 := Parse([]byte(out))
		if len(errs2) > 0 || !Equal(q, q2) {
			rt++
			if rt < 20 {
				t.Logf("roundtrip %s: %v\n  in:  %s\n  out: %s", d.Path, errs2, d.Search, out)
			}
		}
	}
	t.Logf("%d detections, %d with errors, %d round-trip failures", len(dets), bad, rt)
	if bad > 0 || rt > 0 {
		t.Errorf("%d detections with errors, %d round-trip failures", bad, rt)
	}
}

func snippet(s string, off int) string {
	a, b := max(0, off-60), min(len(s), off+60)
	return s[a:off] + "⟦" + s[off:b]
}
