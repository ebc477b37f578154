package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestRuleCache: the preload keeps rules while its budget lasts, what is
// left of the budget goes to the least-recently-used list.
func TestRuleCache(t *testing.T) {
	mk := func(i int) *rule.Rule {
		return &rule.Rule{ID: "sigma/r" + strconv.Itoa(i), Query: strings.Repeat("x", 1000)}
	}
	one := ruleBytes(mk(0))
	if one < 2000 || one > 4000 {
		t.Fatalf("ruleBytes of a 1,000-byte rule: %d", one)
	}
	c := newRuleCache(5 * one)
	for i := range 3 {
		c.preload(mk(i))
	}
	c.sealPreload()
	if len(c.fixed) != 3 || c.max != 2*one {
		t.Fatalf("preloaded %d rules, %d bytes left", len(c.fixed), c.max)
	}
	for i := 3; i < 6; i++ {
		c.put(mk(i).ID, mk(i))
	}
	if c.get("sigma/r3") != nil {
		t.Error("r3 kept beyond the budget")
	}
	for i, want := range []bool{true, true, true, false, true, true} {
		if got := c.get("sigma/r"+strconv.Itoa(i)) != nil; got != want {
			t.Errorf("r%d kept: %v", i, got)
		}
	}
	c.get("sigma/r4") // r5 is now the least recently used
	c.put("sigma/r6", mk(6))
	if c.get("sigma/r5") != nil || c.get("sigma/r4") == nil || c.get("sigma/r6") == nil {
		t.Error("least recently used not dropped first")
	}
	if c.size > c.max {
		t.Errorf("size %d over %d", c.size, c.max)
	}
}
