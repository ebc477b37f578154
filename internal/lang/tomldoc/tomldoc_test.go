package tomldoc

import (
	"fmt"
	"strings"
	"testing"
)

func TestDecodeAndError(t *testing.T) {
	m, err := Decode([]byte("[rule]\nname = \"x\"\nrisk = 3\n[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	rt := m["rule"].(map[string]any)
	if rt["name"] != "x" || rt["risk"] != int64(3) || len(rt["threat"].([]any)) != 1 {
		t.Errorf("decoded %#v", m)
	}
	for _, c := range []struct {
		src, msg  string
		line, col int
	}{
		{"[rule]\nname = \"x\"\nrisk = = 3\n", "unexpected character U+003D '=' at start of value", 3, 8},
		{"[rule]\nname = \"x", "unterminated basic string", 2, 9},
		{"[rule]\nname = \"x\"\nname = \"y\"\n", "key name is already defined: name", 3, 1},
		{"[rule]\nname = \"x\"\n[rule]\n", "table rule already exists", 3, 2},
		// Columns count characters: "è" and "é" are two bytes each.
		{"[rule]\nname = \"Règle été\" x\n", "", 2, 20},
	} {
		_, err := Decode([]byte(c.src))
		if err == nil {
			t.Errorf("%q: no error", c.src)
			continue
		}
		if msg, line, col := Error([]byte(c.src), err); c.msg != "" && msg != c.msg || line != c.line || col != c.col {
			t.Errorf("%q: %d:%d %q, want %d:%d %q", c.src, line, col, msg, c.line, c.col, c.msg)
		}
	}
}

// BenchmarkDecodeKeys decodes a table of n keys: the decoder looks for
// each key among all before it, so the time grows with the square of n
// (why ingest refuses files past ingest.MaxTOMLKeys).
func BenchmarkDecodeKeys(b *testing.B) {
	for _, n := range []int{1000, 5000, 20000} {
		var sb strings.Builder
		sb.WriteString("[rule]\n")
		for i := range n {
			fmt.Fprintf(&sb, "k%d = %d\n", i, i)
		}
		data := []byte(sb.String())
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
