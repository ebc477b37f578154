package store

import (
	"bytes"
	"strings"
	"testing"
)

// TestSummaryUnknownATTACK groups the unknown ATT&CK warnings by id, most
// frequent first, cut after a few.
func TestSummaryUnknownATTACK(t *testing.T) {
	s := &Summary{UnknownATTACK: map[string]int{"T1685": 40, "T1686.003": 20, "stealth": 2, "T1690": 1}}
	var b bytes.Buffer
	s.Write(&b)
	want := "63 unknown ATT&CK ids (4 distinct): T1685 ×40, T1686.003 ×20, stealth ×2, T1690 ×1\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("summary:\n%s\nwant a line %q", b.String(), want)
	}
	if got := s.unknownATTACK(2); !strings.HasSuffix(got, "T1686.003 ×20, and 2 more (ruledex build --diagnostics lists them)") {
		t.Errorf("cut at 2: %q", got)
	}
	b.Reset()
	(&Summary{}).Write(&b)
	if strings.Contains(b.String(), "ATT&CK") {
		t.Errorf("a build with no unknown ids says %q", b.String())
	}
}
