package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Rule text is untrusted: a title, a description or a file name may hold
// terminal control sequences (OSC 52 writes the clipboard, OSC 0 the window
// title, CSI 2J clears the screen) or a newline that splits a diagnostic
// line in two. Everything ruledex prints of a rule goes through termText
// (text of several lines) or termLine (one line); termWriter does the same
// to all that a page writes.

// termText returns s with every control character but newline and tab
// (C0, DEL, C1, and the bidirectional overrides that reorder what a reader
// sees) written as a visible escape (\x1b, \u009b, \u202e).
func termText(s string) string { return termEscape(s, true) }

// termLine is termText for text that must stay on one line: newlines and
// carriage returns are escaped too (\n, \r).
func termLine(s string) string { return termEscape(s, false) }

func termEscape(s string, keepNewlines bool) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r, keepNewlines) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unsafeRune(r, keepNewlines):
			b.WriteString(s[i : i+n])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// unsafeRune tells whether r must not reach a terminal as it is.
func unsafeRune(r rune, keepNewlines bool) bool {
	switch {
	case r == '\t':
		return false
	case r == '\n':
		return !keepNewlines
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidirectional embeddings, overrides, isolates
		return true
	}
	return false
}

// termWriter writes through to w with termText applied to every write, so
// that a page made of rule text cannot drive the terminal. A write may end
// inside a UTF-8 sequence: the rest is kept for the next write.
type termWriter struct {
	w    io.Writer
	tail []byte
}

func (t *termWriter) Write(p []byte) (int, error) {
	buf := append(t.tail, p...)
	cut := len(buf)
	for back := 1; back <= utf8.UTFMax && back <= len(buf); back++ {
		if utf8.RuneStart(buf[len(buf)-back]) {
			if !utf8.FullRune(buf[len(buf)-back:]) {
				cut = len(buf) - back
			}
			break
		}
	}
	t.tail = append(t.tail[:0:0], buf[cut:]...)
	if _, err := io.WriteString(t.w, termText(string(buf[:cut]))); err != nil {
		return 0, err
	}
	return len(p), nil
}
