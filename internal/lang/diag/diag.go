// Package diag is what every language front end reports problems with: byte
// spans, positioned errors with a severity, a sorted error list with a cap
// that drops repeats, and the turning of a byte offset into a line and a
// column.
//
// Positions are byte offsets into the source a front end was given (half-open
// spans, as in go/ast); a line and a column are computed only when an error
// is printed or handed to the model. Lines count from 1 and end at '\n' (the
// reader normalises CRLF and lone CR to '\n' before any front end sees a
// file). Columns count from 1 in Unicode code points (runes) of the line,
// a tab being one: the unit YAML readers use, and SARIF's
// "unicodeCodePoints" column kind. Every front end counts them this way.
package diag

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Span is a half-open range [Start, End) of byte offsets into a source.
type Span struct {
	Start, End int
}

// Len returns the number of bytes s covers.
func (s Span) Len() int { return s.End - s.Start }

// Contains tells whether t lies inside s.
func (s Span) Contains(t Span) bool { return s.Start <= t.Start && t.End <= s.End }

// In tells whether s is a valid span of a source of n bytes.
func (s Span) In(n int) bool { return 0 <= s.Start && s.Start <= s.End && s.End <= n }

// Severity is how bad a problem is.
type Severity uint8

// Severities, worst first.
const (
	Error Severity = iota
	Warning
	Info
)

// String returns the severity as the model writes it (rule.SevError...).
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Info:
		return "info"
	}
	return "error"
}

// Err is one problem at a place of a source. Line and Col are 0 until
// ErrorList.Locate (or the front end) fills them.
type Err struct {
	Span     Span
	Severity Severity
	Msg      string
	Line     int
	Col      int
}

// Error prints the problem as line:col: msg, with the severity when it is
// not an error ("3:7: warning: ..."); an unlocated one prints its offset.
func (e *Err) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Col)
	} else {
		fmt.Fprintf(&b, "offset %d: ", e.Span.Start)
	}
	if e.Severity != Error {
		b.WriteString(e.Severity.String())
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// MaxErrors is how many problems an ErrorList keeps; one more says that
// the rest were dropped. A front end that meets this many has read all
// that is useful to a reader of its errors.
const MaxErrors = 100

// ErrorList is every problem of one parse. Add keeps it bounded and free
// of repeats; Sort orders it by position.
type ErrorList []*Err

// Add appends a problem at span, unless the list already holds one with
// the same start and message, or is full (then the last entry says how
// many were dropped). It tells whether the problem was kept.
func (l *ErrorList) Add(span Span, sev Severity, msg string) bool {
	if n := len(*l); n > 0 {
		last := (*l)[n-1]
		if last.Span.Start == span.Start && last.Msg == msg {
			return false
		}
		if n >= MaxErrors {
			if n == MaxErrors {
				*l = append(*l, &Err{Span: span, Severity: Error, Msg: "too many errors; the rest are not reported"})
			}
			return false
		}
		for _, e := range *l {
			if e.Span.Start == span.Start && e.Msg == msg {
				return false
			}
		}
	}
	*l = append(*l, &Err{Span: span, Severity: sev, Msg: msg})
	return true
}

// Addf is Add with a format.
func (l *ErrorList) Addf(span Span, sev Severity, format string, args ...any) bool {
	return l.Add(span, sev, fmt.Sprintf(format, args...))
}

// Sort orders l by position, then severity, stably.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Span.Start != b.Span.Start {
			return a.Span.Start < b.Span.Start
		}
		return a.Severity < b.Severity
	})
}

// Locate fills the line and column of every problem of l from src, the
// source its spans point into.
func (l ErrorList) Locate(src []byte) {
	if len(l) == 0 {
		return
	}
	ix := NewLines(src)
	for _, e := range l {
		e.Line, e.Col = ix.Position(e.Span.Start)
	}
}

// HasErrors tells whether l holds a problem of severity Error.
func (l ErrorList) HasErrors() bool {
	for _, e := range l {
		if e.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns l as an error when it holds a problem of severity Error,
// else nil.
func (l ErrorList) Err() error {
	if l.HasErrors() {
		return l
	}
	return nil
}

// Error prints the first problem and how many more there are.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", l[0].Error(), len(l)-1)
}

// String prints every problem, one a line.
func (l ErrorList) String() string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

// Lines turns byte offsets of one source into lines and columns.
type Lines struct {
	src   []byte
	start []int // byte offset of each line's start
}

// NewLines indexes the lines of src.
func NewLines(src []byte) *Lines {
	ix := &Lines{src: src, start: []int{0}}
	for i, c := range src {
		if c == '\n' {
			ix.start = append(ix.start, i+1)
		}
	}
	return ix
}

// Position returns the 1-based line and column (in runes) of off; an
// offset past the end is the end.
func (ix *Lines) Position(off int) (line, col int) {
	off = max(0, min(off, len(ix.src)))
	i := sort.Search(len(ix.start), func(i int) bool { return ix.start[i] > off }) - 1
	return i + 1, utf8.RuneCount(ix.src[ix.start[i]:off]) + 1
}

// Offset returns the byte offset of a 1-based line and column (in runes),
// clamped to the source: the inverse of Position.
func (ix *Lines) Offset(line, col int) int {
	if line < 1 {
		return 0
	}
	if line > len(ix.start) {
		return len(ix.src)
	}
	off := ix.start[line-1]
	for n := 1; n < col && off < len(ix.src) && ix.src[off] != '\n'; n++ {
		_, w := utf8.DecodeRune(ix.src[off:])
		off += w
	}
	return off
}

// Position returns the 1-based line and column (in runes) of off in src.
// For many offsets of one source, use NewLines.
func Position(src []byte, off int) (line, col int) {
	off = max(0, min(off, len(src)))
	line = 1
	start := 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line++
			start = i + 1
		}
	}
	return line, utf8.RuneCount(src[start:off]) + 1
}
