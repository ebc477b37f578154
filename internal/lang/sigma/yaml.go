package sigma

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"

	"github.com/ruledex/ruledex/internal/lang/yamlbound"
	"go.yaml.in/yaml/v3"
)

// Limits on what one file may make the reader do. Each is checked before the
// work it bounds, so that a hostile file (an alias bomb, a list of a million
// items, a condition nested ten thousand deep) costs little time and memory
// and yields a diagnostic.
const (
	// MaxFileSize is the largest file read.
	MaxFileSize = 8 << 20
	// MaxDocuments is the most YAML documents read from one file.
	MaxDocuments = 1000
	// MaxNodes is the most YAML nodes of one document, aliases expanded.
	// The largest rule of the SigmaHQ corpus has about 4,500.
	MaxNodes = 50000
	// MaxYAMLDepth is the deepest nesting of YAML collections in a document.
	MaxYAMLDepth = 64
)

// chunk is the text of one YAML document of a file.
type chunk struct {
	startLine int // 1-based file line of the first line of text
	offset    int // byte offset of text in the file
	text      []byte
}

// isMarker tells whether line (without its line break) is a YAML document
// marker "---" or "..." followed by nothing, a space or a tab, and returns
// whether there is content after it.
func isMarker(line []byte) (marker bool, start bool, rest bool) {
	if len(line) < 3 {
		return false, false, false
	}
	m := string(line[:3])
	if m != "---" && m != "..." {
		return false, false, false
	}
	if len(line) > 3 && line[3] != ' ' && line[3] != '\t' && line[3] != '\r' {
		return false, false, false
	}
	tail := strings.TrimSpace(string(line[3:]))
	return true, m == "---", tail != "" && !strings.HasPrefix(tail, "#")
}

// splitDocuments splits src at its document markers. A document marker
// starts at the first column by the YAML specification, so no scalar can hold
// one and splitting by lines is exact.
func splitDocuments(src []byte) []chunk {
	var chunks []chunk
	start, startLine := 0, 1
	line := 1
	flush := func(end int) {
		if end > start {
			chunks = append(chunks, chunk{startLine: startLine, offset: start, text: src[start:end]})
		}
	}
	for off := 0; off < len(src); {
		nl := bytes.IndexByte(src[off:], '\n')
		end := len(src)
		next := len(src)
		if nl >= 0 {
			end = off + nl
			next = end + 1
		}
		if marker, _, rest := isMarker(src[off:end]); marker {
			flush(off)
			if rest {
				// "--- value": the document starts on the marker line.
				start, startLine = off, line
			} else {
				start, startLine = next, line+1
			}
		}
		off = next
		line++
	}
	flush(len(src))
	return chunks
}

// blankYAML tells whether text holds nothing but blank lines, comments and
// directives.
func blankYAML(text []byte) bool {
	for _, l := range bytes.Split(text, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) == 0 || t[0] == '#' || t[0] == '%' {
			continue
		}
		return false
	}
	return true
}

// parseYAML reads one document. It returns its root node (nil for an empty
// document) with lines made relative to the file by adding lineDelta.
func parseYAML(text []byte, lineDelta int) (root *yaml.Node, errs diag.ErrorList) {
	defer func() {
		if p := recover(); p != nil {
			root = nil
			errs = append(errs, newErr(Position{Offset: -1, Line: lineDelta + 1, Col: 1}, diag.Error, fmt.Sprintf("YAML reader failed: %v", p)))
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		for _, msg := range strings.Split(err.Error(), "\n") {
			msg = strings.TrimSpace(msg)
			if msg == "" || strings.HasPrefix(msg, "yaml: unmarshal errors:") {
				continue
			}
			line, msg := yamlbound.ErrorLine(msg)
			errs = append(errs, newErr(Position{Offset: -1, Line: line + lineDelta, Col: 1}, diag.Error, "YAML: "+msg))
		}
		return nil, errs
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root = doc.Content[0]
	if lineDelta != 0 {
		shiftLines(root, lineDelta)
	}
	return root, nil
}

// shiftLines adds delta to the line of every node of the tree at n, without
// following aliases (an alias points to a node that is in the tree).
func shiftLines(n *yaml.Node, delta int) {
	stack := []*yaml.Node{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n.Line += delta
		stack = append(stack, n.Content...)
	}
}

// source is a file's text with its lines (package diag's index), for
// positions and snippets.
type source struct {
	src   []byte
	lines *diag.Lines
	nline int      // how many lines src has
	docs  [][2]int // first and last line of each document
}

func newSource(src []byte) *source {
	s := &source{src: src, lines: diag.NewLines(src)}
	s.nline, _ = s.lines.Position(len(src))
	return s
}

// line returns the text of the 1-based line l without its line break.
func (s *source) line(l int) string {
	if l < 1 || l > s.nline {
		return ""
	}
	start, end := s.lines.Offset(l, 1), len(s.src)
	if l < s.nline {
		end = s.lines.Offset(l+1, 1) - 1
	}
	return strings.TrimSuffix(string(s.src[start:end]), "\r")
}

// pos returns the position of the 1-based line and column (in runes).
func (s *source) pos(line, col int) Position {
	if line < 1 || line > s.nline {
		return Position{Offset: -1, Line: line, Col: col}
	}
	return Position{Offset: s.lines.Offset(line, col), Line: line, Col: col}
}

// nodePos returns the position of n.
func (s *source) nodePos(n *yaml.Node) Position {
	if n == nil {
		return Position{Offset: -1}
	}
	return s.pos(n.Line, n.Column)
}

// offsetPos returns the position of byte offset off of the file.
func (s *source) offsetPos(off int) Position {
	off = max(0, min(off, len(s.src)))
	line, col := s.lines.Position(off)
	return Position{Offset: off, Line: line, Col: col}
}

func indentOf(line string) int {
	return len(line) - len(strings.TrimLeft(line, " "))
}

func isBlankOrComment(line string) bool {
	t := strings.TrimSpace(line)
	return t == "" || t[0] == '#'
}

// blockLines returns the lines of the block entry whose key starts at line
// l, column col: its first line and every following line more indented than
// the key (blank and comment lines kept inside, dropped at the end), up to
// the last line of the document lastLine.
func (s *source) blockLines(l, col, lastLine int) (first, last int) {
	first, last = l, l
	keyIndent := col - 1
	for i := l + 1; i <= lastLine; i++ {
		text := s.line(i)
		if isBlankOrComment(text) {
			continue
		}
		if indentOf(text) <= keyIndent {
			break
		}
		last = i
	}
	return first, last
}

// docEnd returns the last line of the document that holds line l.
func (s *source) docEnd(l int) int {
	for _, d := range s.docs {
		if d[0] <= l && l <= d[1] {
			return d[1]
		}
	}
	return s.nline
}

// snippet returns the text of the block entry of key (see blockLines),
// without the indentation of its first line.
func (s *source) snippet(key *yaml.Node) string {
	if key == nil || key.Line < 1 {
		return ""
	}
	lastLine := s.docEnd(key.Line)
	first, last := s.blockLines(key.Line, key.Column, lastLine)
	indent := indentOf(s.line(first))
	var b strings.Builder
	for i := first; i <= last; i++ {
		text := s.line(i)
		if indentOf(text) >= indent {
			text = text[indent:]
		} else {
			text = strings.TrimLeft(text, " ")
		}
		if i > first {
			b.WriteByte('\n')
		}
		b.WriteString(text)
	}
	return b.String()
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "a string"
	}
	return "a YAML node"
}
