package lowerspl

import (
	"strings"

	"github.com/ruledex/ruledex/internal/lang/spl"
	"github.com/ruledex/ruledex/internal/rule"
)

// The fields a search emits, followed through its commands (see lower.go).

// setOut makes (or remakes) the output field name.
func (l *lowering) setOut(name, source string, stage int, expr string) {
	if name == "" {
		return
	}
	for i := range l.outs {
		if l.outs[i].Name == name {
			l.outs[i] = rule.OutputField{Name: name, Source: source, Stage: stage, Expr: expr}
			return
		}
	}
	l.outs = append(l.outs, rule.OutputField{Name: name, Source: source, Stage: stage, Expr: expr})
}

// glob matches name against a field pattern with at most one '*' and
// returns what the star stands for.
func glob(pattern, name string) (string, bool) {
	i := strings.IndexByte(pattern, '*')
	if i < 0 {
		return "", pattern == name
	}
	pre, suf := pattern[:i], pattern[i+1:]
	if strings.Contains(suf, "*") || len(name) < len(pre)+len(suf) || !strings.HasPrefix(name, pre) || !strings.HasSuffix(name, suf) {
		return "", false
	}
	return name[len(pre) : len(name)-len(suf)], true
}

// renamed applies rename from AS to (with a wildcard each) to name.
func renamed(from, to, name string) (string, bool) {
	m, ok := glob(from, name)
	if !ok {
		return "", false
	}
	if strings.Contains(from, "*") {
		return strings.Replace(to, "*", m, 1), true
	}
	return to, true
}

// rename renames the outputs and the group-by fields.
func (l *lowering) rename(from, to string) {
	for i := range l.outs {
		if n, ok := renamed(from, to, l.outs[i].Name); ok {
			l.outs[i].Name = n
		}
	}
	for i, g := range l.groupBy {
		if n, ok := renamed(from, to, g); ok {
			l.groupBy[i] = n
		}
	}
	if !strings.Contains(from, "*") && !l.defined {
		// a field of the events, renamed: it is made here
		found := false
		for _, o := range l.outs {
			if o.Name == to {
				found = true
			}
		}
		if !found {
			l.setOut(to, "rename", 0, from)
		}
	}
}

// keepOnly makes the outputs the fields listed (table, fields): those
// already known keep where they come from.
func (l *lowering) keepOnly(fs []*spl.Field, source string, stage int) {
	var out []rule.OutputField
	has := func(n string) bool {
		for _, o := range out {
			if o.Name == n {
				return true
			}
		}
		return false
	}
	for _, f := range fs {
		if f.Wildcard {
			matched := false
			for _, o := range l.outs {
				if _, ok := glob(f.Name, o.Name); ok && !has(o.Name) {
					out = append(out, o)
					matched = true
				}
			}
			if !matched && !l.defined && f.Name != "*" && !has(f.Name) {
				out = append(out, rule.OutputField{Name: f.Name, Source: source, Stage: stage})
			}
			continue
		}
		if has(f.Name) {
			continue
		}
		o := rule.OutputField{Name: f.Name, Source: source, Stage: stage}
		for _, x := range l.outs {
			if x.Name == f.Name {
				o = x
			}
		}
		out = append(out, o)
	}
	l.outs, l.defined = out, true
}

// drop takes the fields listed off the outputs (fields -).
func (l *lowering) drop(fs []*spl.Field) {
	out := l.outs[:0]
	for _, o := range l.outs {
		keep := true
		for _, f := range fs {
			if _, ok := glob(f.Name, o.Name); ok {
				keep = false
			}
		}
		if keep {
			out = append(out, o)
		}
	}
	l.outs = out
}

func (l *lowering) finishOutputs() {
	l.r.Outputs = append(l.r.Outputs, l.outs...)
	l.r.GroupBy = append(l.r.GroupBy, l.groupBy...)
	if len(l.groupBy) == 0 && l.r.Settings != nil {
		// a saved search's alerts are suppressed by these fields
		for _, g := range strings.Split(l.r.Settings["alert.suppress.fields"], ",") {
			if g = strings.TrimSpace(g); g != "" {
				l.r.GroupBy = append(l.r.GroupBy, g)
			}
		}
	}
}
