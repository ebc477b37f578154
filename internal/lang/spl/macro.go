package spl

import (
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"
)

// Macro expansion, as Splunk does it before it parses a search: every
// `name` or `name(a, b)` outside quoted strings and comments is replaced by
// the definition of name(N), N the number of arguments (name alone for
// none), with each $arg$ of the definition replaced by the argument (by
// position, or by name when every argument is written arg=value), and the
// macros of the result expanded in turn.
// https://docs.splunk.com/Documentation/Splunk/latest/Knowledge/Usesearchmacros
// https://docs.splunk.com/Documentation/Splunk/latest/Admin/Macrosconf

// MaxMacroDepth is how deep macros may call macros: a call at a depth
// over it is an error.
const MaxMacroDepth = 10

// maxExpansion bounds the size of an expansion (macros calling several
// macros each grow exponentially with the depth).
const maxExpansion = 1 << 20

// MacroDef is one macro definition: its name, its argument names and its
// definition text.
type MacroDef struct {
	Name       string
	Args       []string
	Definition string
}

// MacroKey is the key of a macro of n arguments: name, or name(n).
func MacroKey(name string, n int) string {
	if n == 0 {
		return name
	}
	return name + "(" + strconv.Itoa(n) + ")"
}

// MacroSet is a set of definitions keyed by MacroKey.
type MacroSet map[string]*MacroDef

// NewMacroSet keys defs by name and argument count; a later definition of
// the same key replaces an earlier one.
func NewMacroSet(defs []MacroDef) MacroSet {
	s := make(MacroSet, len(defs))
	for i := range defs {
		d := &defs[i]
		s[MacroKey(d.Name, len(d.Args))] = d
	}
	return s
}

// Expansion is the result of Expand.
type Expansion struct {
	// Text is the search with its macros expanded.
	Text string
	// Calls are the macro calls of the source that were expanded: where
	// each one's expansion lies in Text (Out) and where the call is in the
	// source (Src), in order.
	Calls []ExpandedCall
	// Undefined are the calls whose macro has no definition, left in place
	// (those met inside a definition too, positioned at the source's call
	// that led to them).
	Undefined []UndefinedCall
}

// ExpandedCall maps the expansion of one macro call back to the call.
type ExpandedCall struct {
	Out diag.Span // in Expansion.Text
	Src diag.Span // in the source
}

// UndefinedCall is a macro call without a definition.
type UndefinedCall struct {
	Key    string    // name or name(N)
	Span   diag.Span // in the source: the call, or the call whose expansion holds it
	Nested bool      // met inside a definition
}

// Origin maps a span of Text back to the source: an end inside an
// expansion goes to the edge of its call; other offsets are shifted by what
// the expansions before them added.
func (e *Expansion) Origin(sp diag.Span) diag.Span {
	return diag.Span{Start: e.origin(sp.Start, false), End: e.origin(sp.End, true)}
}

func (e *Expansion) origin(off int, end bool) int {
	delta := 0
	for _, c := range e.Calls {
		if end && off > c.Out.Start && off <= c.Out.End {
			return c.Src.End
		}
		if !end && off >= c.Out.Start && off < c.Out.End {
			return c.Src.Start
		}
		if off < c.Out.End {
			break
		}
		delta = c.Src.End - c.Out.End
	}
	return off + delta
}

// Expand expands the macros of src with defs. It is a pure function: the
// errors are cycles, calls deeper than MaxMacroDepth and an expansion too
// large, each at the source's call that leads to it; undefined macros are
// not errors but listed in the Expansion.
func Expand(src string, defs MacroSet) (*Expansion, diag.ErrorList) {
	x := &expander{defs: defs, e: &Expansion{}}
	toks, _ := lex(src)
	var out strings.Builder
	last := 0
	for _, t := range toks {
		if t.Kind != MacroTok {
			continue
		}
		out.WriteString(src[last:t.Span.Start])
		start := out.Len()
		text, ok := x.call(t.Text, 1, nil, t.Span)
		out.WriteString(text)
		if ok {
			x.e.Calls = append(x.e.Calls, ExpandedCall{Out: diag.Span{Start: start, End: out.Len()}, Src: t.Span})
		}
		last = t.Span.End
	}
	out.WriteString(src[last:])
	x.e.Text = out.String()
	x.errs.Sort()
	x.errs.Locate([]byte(src))
	return x.e, x.errs
}

type expander struct {
	defs MacroSet
	e    *Expansion
	errs diag.ErrorList
	size int
	full bool // the expansion passed maxExpansion: nothing more is expanded
}

// call expands one call at depth; stack holds the keys being expanded. It
// returns the text to put in place of the call and whether it expanded it.
func (x *expander) call(raw string, depth int, stack []string, origin diag.Span) (string, bool) {
	if x.full {
		return raw, false
	}
	name, args, _ := SplitMacroCall(raw)
	key := MacroKey(name, len(args))
	def := x.defs[key]
	if def == nil {
		x.e.Undefined = append(x.e.Undefined, UndefinedCall{Key: key, Span: origin, Nested: depth > 1})
		return raw, false
	}
	for i, k := range stack {
		if k == key {
			x.errs.Addf(origin, diag.Error, "macro cycle: %s", strings.Join(append(stack[i:], key), " -> "))
			return raw, false
		}
	}
	if depth > MaxMacroDepth {
		x.errs.Addf(origin, diag.Error, "macros nested deeper than %d (%s)", MaxMacroDepth, strings.Join(append(stack, key), " -> "))
		return raw, false
	}
	body := substitute(def, args)
	x.size += len(body)
	if x.size > maxExpansion {
		x.full = true
		x.errs.Addf(origin, diag.Error, "macro expansion larger than %d bytes", maxExpansion)
		return raw, false
	}
	stack = append(stack[:len(stack):len(stack)], key)
	toks, _ := lex(body)
	var out strings.Builder
	last := 0
	for _, t := range toks {
		if t.Kind != MacroTok {
			continue
		}
		out.WriteString(body[last:t.Span.Start])
		text, _ := x.call(t.Text, depth+1, stack, origin)
		out.WriteString(text)
		last = t.Span.End
	}
	if last == 0 {
		return body, true
	}
	out.WriteString(body[last:])
	return out.String(), true
}

// substitute replaces the $arg$ of def's definition with args: by name when
// every argument is written name=value with a name of def, else by
// position. The arguments are put in as written.
func substitute(def *MacroDef, args []string) string {
	if len(def.Args) == 0 {
		return def.Definition
	}
	vals := make(map[string]string, len(args))
	named := true
	for _, a := range args {
		eq := strings.IndexByte(a, '=')
		if eq <= 0 || !hasArg(def, strings.TrimSpace(a[:eq])) {
			named = false
			break
		}
		vals[strings.TrimSpace(a[:eq])] = strings.TrimSpace(a[eq+1:])
	}
	if !named {
		for i, n := range def.Args {
			if i < len(args) {
				vals[n] = args[i]
			}
		}
	}
	var b strings.Builder
	d := def.Definition
	for {
		i := strings.IndexByte(d, '$')
		if i < 0 {
			break
		}
		j := strings.IndexByte(d[i+1:], '$')
		if j < 0 {
			break
		}
		if v, ok := vals[d[i+1:i+1+j]]; ok {
			b.WriteString(d[:i])
			b.WriteString(v)
			d = d[i+j+2:]
			continue
		}
		b.WriteString(d[:i+1])
		d = d[i+1:]
	}
	b.WriteString(d)
	return b.String()
}

func hasArg(def *MacroDef, n string) bool {
	for _, a := range def.Args {
		if a == n {
			return true
		}
	}
	return false
}
