// Package yamlbound bounds the work of reading YAML that nobody checked:
// an estimate of the nodes a text can make, made before the YAML parser
// allocates its tree, and a count of a parsed tree's nodes and depth with
// aliases expanded that stops at its limits (an alias bomb expands to 10⁹
// nodes from a few hundred bytes). Every reader of rule YAML (package
// ingest for the formats that do not bound their own, the Sigma front end)
// uses these, so that one limit means one thing.
package yamlbound

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// NodesAt returns the offset in text at which the YAML nodes it can make
// may pass max, or -1 when they cannot. Every node but a document's root
// needs a sequence entry ("- "), a mapping value indicator (": ", or ':'
// right after a quoted key), a flow indicator, an explicit key ("? ") or
// an alias ("*"), and each of these makes at most three nodes; so the
// count is an upper bound of a third of the nodes, linear in the text.
func NodesAt(text []byte, max int) int {
	n := 1
	for i, c := range text {
		switch c {
		case '[', '{', ',', '*':
			n++
		case '-', ':', '?':
			if i+1 == len(text) {
				n++
				break
			}
			switch text[i+1] {
			case ' ', '\t', '\n', '\r', ',', ']', '}':
				n++
			default:
				if c == ':' && i > 0 && (text[i-1] == '"' || text[i-1] == '\'') {
					n++
				}
			}
		}
		if n > max {
			return i
		}
	}
	return -1
}

// Count counts the nodes of the tree at n with aliases expanded, and its
// depth, stopping as soon as either passes its limit: its work is bounded
// by the limits, whatever the input.
func Count(n *yaml.Node, maxNodes, maxDepth int) (count, depth int, over bool) {
	type item struct {
		n *yaml.Node
		d int
	}
	stack := []item{{n, 1}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		count++
		depth = max(depth, it.d)
		if count > maxNodes || depth > maxDepth {
			return count, depth, true
		}
		if it.n.Kind == yaml.AliasNode {
			if it.n.Alias != nil {
				stack = append(stack, item{it.n.Alias, it.d})
			}
			continue
		}
		for _, c := range it.n.Content {
			stack = append(stack, item{c, it.d + 1})
		}
	}
	return count, depth, false
}

var errLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// ErrorLine returns the line (1 when it names none) and the message of an
// error message of the YAML parser ("yaml: line 3: did not find ...").
func ErrorLine(msg string) (line int, text string) {
	if m := errLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		return line, m[2]
	}
	return 1, strings.TrimPrefix(msg, "yaml: ")
}
