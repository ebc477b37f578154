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
		c.put(mk(i).ID, mk(i), LinkTotals{}, "")
	}
	if c.has("sigma/r3") {
		t.Error("r3 kept beyond the budget")
	}
	for i, want := range []bool{false, false, false, false, true, true} {
		if got := c.has("sigma/r" + strconv.Itoa(i)); got != want {
			t.Errorf("r%d kept: %v", i, got)
		}
	}
	c.has("sigma/r4") // r5 is now the least recently used
	c.put("sigma/r6", mk(6), LinkTotals{}, "")
	if c.has("sigma/r5") || !c.has("sigma/r4") || !c.has("sigma/r6") {
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
		if !c.fill(mk(i), LinkTotals{}, "") {
			t.Fatalf("r%d not kept", i)
		}
	}
	if c.fill(mk(3), LinkTotals{}, "") || c.has("sigma/r3") || !c.has("sigma/r0") || c.size > c.max {
		t.Errorf("fill beyond the budget: size %d of %d", c.size, c.max)
	}
}

// has tells whether c keeps the rule id (and makes it the most recently used).
func (c *ruleCache) has(id string) bool {
	r, _, _ := c.get(id)
	return r != nil
}

// TestRuleCacheWhole: a rule kept with its lists of links cut is not
// whole; one kept with them whole is.
func TestRuleCacheWhole(t *testing.T) {
	r := &rule.Rule{ID: "sigma/r", SameAction: []rule.RuleRef{{ID: "kql/a"}}}
	c := newRuleCache(1 << 20)
	c.put(r.ID, r, LinkTotals{SameAction: 40}, "")
	if got, tot, whole := c.get(r.ID); got != r || whole || tot.SameAction != 40 {
		t.Errorf("cut rule: %v %v %v", got, tot, whole)
	}
	c.put(r.ID, r, LinkTotals{SameAction: 1}, "")
	if _, _, whole := c.get(r.ID); !whole {
		t.Error("whole rule not whole")
	}
}
