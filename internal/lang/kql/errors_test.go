package kql

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// errorComment is an expected error written in a testdata/errors/*.src
// file: /* ERROR "message" */ (a Go-quoted string) right before the token
// the error is reported at (or the character, inside a string), or at the
// end of the query for an error there.
var errorComment = regexp.MustCompile(`/\* ERROR ("(?:[^"\\]|\\.)*") \*/`)

// expectedError is an error a .src file expects: its message and the
// offset, in the text with the comments cut out, of the token it is at.
type expectedError struct {
	off int
	msg string
}

// readErrorsFile returns the text of a .src file with its ERROR comments
// cut out, and the errors they expect.
func readErrorsFile(t *testing.T, path string) ([]byte, []expectedError) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	var want []expectedError
	last := 0
	for _, m := range errorComment.FindAllSubmatchIndex(raw, -1) {
		src = append(src, raw[last:m[0]]...)
		msg, err := strconv.Unquote(string(raw[m[2]:m[3]]))
		if err != nil {
			t.Fatalf("%s: bad ERROR comment %s", path, raw[m[0]:m[1]])
		}
		want = append(want, expectedError{off: len(src), msg: msg})
		last = m[1]
	}
	src = append(src, raw[last:]...)
	// each comment stands before its token: the error is at the first
	// token at or after the comment's place (EOF at the end); a comment
	// inside a token (a string) stands right before the character the
	// error is at
	toks, _, _ := Lex(src)
	for i, w := range want {
		for _, tk := range toks {
			if tk.Pos < w.off && w.off < tk.End {
				break
			}
			if tk.Pos >= w.off {
				want[i].off = tk.Pos
				break
			}
		}
	}
	return src, want
}

// TestErrorFiles parses each testdata/errors/*.src file and checks that
// its errors are exactly the ones its ERROR comments expect, at their
// tokens; and that every error is located (line and column in runes).
func TestErrorFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.src")
	if len(files) == 0 {
		t.Fatal("no testdata/errors/*.src")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, want := readErrorsFile(t, path)
			s, errs := Parse(src)
			if s == nil {
				t.Fatal("no tree")
			}
			checkSpans(t, string(src), s)
			lines := diag.NewLines(src)
			found := make([]bool, len(want))
			for _, e := range errs {
				if l, c := lines.Position(e.Span.Start); e.Line != l || e.Col != c {
					t.Errorf("%s: located at %d:%d, want %d:%d", e, e.Line, e.Col, l, c)
				}
				ok := false
				for i, w := range want {
					if !found[i] && w.off == e.Span.Start && w.msg == e.Msg {
						found[i], ok = true, true
						break
					}
				}
				if !ok {
					t.Errorf("unexpected error %s (offset %d, at %q)", e, e.Span.Start, near(src, e.Span.Start))
				}
			}
			for i, w := range want {
				if !found[i] {
					l, c := lines.Position(w.off)
					t.Errorf("%d:%d: missing error %q (at %q)", l, c, w.msg, near(src, w.off))
				}
			}
		})
	}
}

// near returns the text around off, for messages.
func near(src []byte, off int) string {
	return strings.ReplaceAll(string(src[max(0, off-10):min(len(src), off+10)]), "\n", "⏎")
}
