package store

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// partsTextOf is partsText as tokens and parts define it, token by token.
func partsTextOf(texts ...string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, s := range texts {
		for _, tok := range tokens(s) {
			ps := parts(tok)
			if ps == nil {
				continue
			}
			key := strings.ToLower(tok)
			if seen[key] {
				continue
			}
			seen[key] = true
			b.WriteString(strings.Join(ps, " "))
			b.WriteString(" \n")
		}
	}
	return b.String()
}

// TestPartsTextAsTokens checks partsText's one pass against tokens and
// parts over random texts of letters (upper and lower case, accented,
// combining marks), digits, separators, spaces, punctuation and bytes that
// are not UTF-8.
func TestPartsTextAsTokens(t *testing.T) {
	pieces := []string{"a", "B", "z", "Q", "7", ".", "/", "_", "-", " ", "\n", ":", "(", "\"", "É", "é", "ß", "İ", "\u0301",
		"Ж", "ж", "日", "\xff", "\xc3", "\ufffd", "Microsoft.Compute/virtualMachines", "cmd.exe", "run_Command", "--", "..."}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var texts []string
		for range 1 + rng.IntN(3) {
			var s strings.Builder
			for range rng.IntN(24) {
				s.WriteString(pieces[rng.IntN(len(pieces))])
			}
			texts = append(texts, s.String())
		}
		if got, want := partsText(texts...), partsTextOf(texts...); got != want {
			t.Fatalf("case %d: partsText(%q) = %q, want %q", i, texts, got, want)
		}
	}
}
