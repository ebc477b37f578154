package sigma

import (
	"fmt"
	"sort"
	"strings"
)

// Position is a place in a file: 1-based line and column (columns count
// characters, as the YAML reader does). Offset is the byte offset in the
// text the position was computed for (the file, or a condition string given
// to ParseCondition), -1 when unknown.
type Position struct {
	Offset int `json:"offset"`
	Line   int `json:"line"`
	Col    int `json:"col"`
}

// IsValid tells whether p points somewhere.
func (p Position) IsValid() bool { return p.Line > 0 }

func (p Position) String() string {
	if !p.IsValid() {
		return "-"
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Col)
}

// Severities of an Error.
const (
	SevError   = "error"
	SevWarning = "warning"
)

// Error is one problem met while reading Sigma, at a position.
type Error struct {
	Pos      Position
	Severity string // SevError or SevWarning
	Msg      string
}

func (e *Error) Error() string {
	if e.Severity == SevWarning {
		return e.Pos.String() + ": warning: " + e.Msg
	}
	return e.Pos.String() + ": " + e.Msg
}

// ErrorList is a list of positioned errors, sorted by position by Sort.
type ErrorList []*Error

func (l ErrorList) Len() int      { return len(l) }
func (l ErrorList) Swap(i, j int) { l[i], l[j] = l[j], l[i] }
func (l ErrorList) Less(i, j int) bool {
	a, b := l[i].Pos, l[j].Pos
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Col != b.Col {
		return a.Col < b.Col
	}
	return l[i].Msg < l[j].Msg
}

// Sort sorts l by position, stably.
func (l ErrorList) Sort() { sort.Stable(l) }

// Error prints the first error and how many more there are.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Err returns l as an error, or nil when l holds no error of severity error.
func (l ErrorList) Err() error {
	var errs ErrorList
	for _, e := range l {
		if e.Severity != SevWarning {
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// HasErrors tells whether l holds an error of severity error.
func (l ErrorList) HasErrors() bool {
	for _, e := range l {
		if e.Severity != SevWarning {
			return true
		}
	}
	return false
}

// String prints one error per line.
func (l ErrorList) String() string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	return b.String()
}
