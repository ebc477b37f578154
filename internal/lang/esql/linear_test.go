package esql_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ruledex/ruledex/internal/lang/esql"
)

// TestLinearTime parses large hostile inputs, each twice as large as the
// last: the time must not grow much faster than the input.
func TestLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	cases := map[string]func(n int) string{
		"open parens":    func(n int) string { return "FROM a | WHERE " + strings.Repeat("(", n) },
		"pipes":          func(n int) string { return "FROM a" + strings.Repeat(" |", n) },
		"bad tokens":     func(n int) string { return "FROM a | WHERE " + strings.Repeat("== ", n) },
		"long where":     func(n int) string { return "FROM a | WHERE x == 1" + strings.Repeat(" AND x == 1", n) },
		"unknown":        func(n int) string { return "FROM a" + strings.Repeat(" | FOO x", n) },
		"backquote":      func(n int) string { return "FROM a | WHERE `" + strings.Repeat("x", n) },
		"comments":       func(n int) string { return "FROM a " + strings.Repeat("/* ", n) },
		"fork parens":    func(n int) string { return "FROM a | FORK " + strings.Repeat("(WHERE x) ", n) },
		"unclosed calls": func(n int) string { return "FROM a | EVAL " + strings.Repeat("f(x, ", n) },
	}
	for name, gen := range cases {
		t.Run(name, func(t *testing.T) {
			measure := func(n int) time.Duration {
				src := []byte(gen(n))
				best := time.Duration(1 << 62)
				for range 5 {
					t0 := time.Now()
					esql.Parse(src)
					best = min(best, time.Since(t0))
				}
				return best
			}
			small, large := measure(10000), measure(40000)
			// 4 times the input: linear is 4 times the time, quadratic 16.
			// The machine is shared, so the best of five runs is compared,
			// with room for a garbage collection in the larger one.
			if large > 12*small && large > 100*time.Millisecond {
				t.Errorf("10,000 units: %v, 40,000: %v: not linear", small, large)
			}
		})
	}
}
