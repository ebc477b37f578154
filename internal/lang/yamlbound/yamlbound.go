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
// right after a quoted key), an explicit key ("? "), a flow collection's
// start or separator, or an alias, and each of these makes at most three
// nodes; so the count is an upper bound of a third of the nodes, linear in
// the text. What is inside a scalar makes no node and is not counted: the
// lines of a block scalar (| or >), quoted strings, comments, and the
// commas, brackets and stars of a plain scalar outside flow collections (a
// query with 50,000 commas is one node).
func NodesAt(text []byte, max int) int {
	n := 1
	flow := 0         // depth of flow collections
	quote := byte(0)  // the quote of the string we are in, 0 when none
	blockIndent := -1 // indentation of the line that opened a block scalar
	valueStart := true
	for i := 0; i < len(text); i++ {
		c := text[i]
		if i == 0 || text[i-1] == '\n' {
			// A line's start: inside a block scalar while more indented.
			indent := 0
			for i+indent < len(text) && text[i+indent] == ' ' {
				indent++
			}
			if blockIndent >= 0 && quote == 0 {
				end := i + indent
				if end >= len(text) || text[end] == '\n' || indent > blockIndent {
					for i < len(text) && text[i] != '\n' {
						i++
					}
					continue
				}
				blockIndent = -1
			}
			if flow == 0 && quote == 0 {
				valueStart = true
			}
		}
		if quote != 0 {
			switch {
			case quote == '"' && c == '\\':
				i++
			case c == quote && quote == '\'' && i+1 < len(text) && text[i+1] == '\'':
				i++
			case c == quote:
				quote = 0
			}
			continue
		}
		count := false
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '#':
			if i == 0 || text[i-1] == ' ' || text[i-1] == '\t' || text[i-1] == '\n' {
				for i+1 < len(text) && text[i+1] != '\n' {
					i++
				}
				continue
			}
		case '"', '\'':
			if valueStart || flow > 0 {
				quote = c
				valueStart = false
				continue
			}
		case '[', '{':
			if valueStart || flow > 0 {
				flow++
				count = true
				valueStart = true
			}
		case ']', '}':
			if flow > 0 {
				flow--
			}
		case ',':
			if flow > 0 {
				count = true
				valueStart = true
			}
		case '*', '&':
			if valueStart {
				count = c == '*'
				for i+1 < len(text) && !isSpace(text[i+1]) && text[i+1] != ',' && text[i+1] != ']' && text[i+1] != '}' {
					i++
				}
				continue // an anchor or alias name; the node comes after an anchor
			}
		case '|', '>':
			if valueStart && flow == 0 {
				// A block scalar: its lines are more indented than this one's.
				ls := i
				for ls > 0 && text[ls-1] != '\n' {
					ls--
				}
				blockIndent = 0
				for ls+blockIndent < len(text) && text[ls+blockIndent] == ' ' {
					blockIndent++
				}
				for i+1 < len(text) && text[i+1] != '\n' {
					i++
				}
				continue
			}
		case '-', ':', '?':
			next := byte(' ')
			if i+1 < len(text) {
				next = text[i+1]
			}
			if isSpace(next) || next == ',' || next == ']' || next == '}' ||
				c == ':' && i > 0 && (text[i-1] == '"' || text[i-1] == '\'') {
				count = true
				valueStart = true
			}
		}
		if !count {
			valueStart = false
			continue
		}
		n++
		if n > max {
			return i
		}
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

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
