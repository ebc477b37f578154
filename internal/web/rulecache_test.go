package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestRuleCache: rules are kept within the budget, the least recently used
// dropped first.
func TestRuleCache(t *testing.T) {
	mk := func(i int) *rule.Rule {
		return &rule.Rule{ID: "sigma/r" + strconv.Itoa(i), Query: strings.Repeat("x", 1000)}
	}
	one := ruleBytes(mk(0))
	if one < 2000 || one > 4000 {
		t.Fatalf("ruleBytes of a 1,000-byte rule: %d", one)
	}
	c := newRuleCache(2 * one)
	for i := 3; i < 6; i++ {
		c.put(mk(i).ID, mk(i))
	}
	if c.get("sigma/r3") != nil {
		t.Error("r3 kept beyond the budget")
	}
	for i, want := range []bool{false, false, false, false, true, true} {
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

// TestRuleCacheFill: fill keeps rules until the budget is full, and tells.
func TestRuleCacheFill(t *testing.T) {
	mk := func(i int) *rule.Rule {
		return &rule.Rule{ID: "sigma/r" + strconv.Itoa(i), Query: strings.Repeat("x", 1000)}
	}
	c := newRuleCache(3 * ruleBytes(mk(0)))
	for i := range 3 {
		if !c.fill(mk(i)) {
			t.Fatalf("r%d not kept", i)
		}
	}
	if c.fill(mk(3)) || c.get("sigma/r3") != nil || c.get("sigma/r0") == nil || c.size > c.max {
		t.Errorf("fill beyond the budget: size %d of %d", c.size, c.max)
	}
}
