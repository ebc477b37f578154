package sigma

import (
	"fmt"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Position is a place in a file: 1-based line and column (columns count
// runes, as the YAML reader and package diag do). Offset is the byte offset in the
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

// newErr returns a problem at p: its span the empty one at p's offset (0
// when p has none), its line and column p's.
func newErr(p Position, sev diag.Severity, msg string) *diag.Err {
	off := max(p.Offset, 0)
	return &diag.Err{Span: diag.Span{Start: off, End: off}, Severity: sev, Msg: msg, Line: p.Line, Col: p.Col}
}
