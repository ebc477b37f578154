package yaral

// This file holds what the lowering needs of a rule beyond its tree: the
// roles of its variables, the bindings of placeholders to event fields,
// and the joins between events.
//
// The roles come from the reference
// (https://cloud.google.com/chronicle/docs/detection/yara-l-2-0-syntax,
// "Events section syntax"): an event variable stands for an event and is
// used with a field path ($e.metadata.event_type); a placeholder variable
// is given a field's value (`$user = $e.principal.user.userid`, either
// side) and is what the match section groups by; an outcome variable is
// assigned in the outcome section.

// Variables are a rule's variables by role, each name once, in order of
// first appearance (without the $).
type Variables struct {
	Events       []string // used with a field path in the events section
	Placeholders []string // used bare in the events section, or in match
	Match        []string // the match section's variables, in order
	Outcomes     []string // assigned in the outcome section
}

// Variables returns the rule's variables by role.
func (r *Rule) Variables() Variables {
	var v Variables
	seen := map[string]bool{}
	add := func(list *[]string, role, name string) {
		if !seen[role+name] {
			seen[role+name] = true
			*list = append(*list, name)
		}
	}
	if ev := r.Events(); ev != nil {
		for _, l := range ev.Lines {
			Inspect(l, func(n Node) bool {
				switch n := n.(type) {
				case *Field:
					add(&v.Events, "e", n.Var.Name)
					return false
				case *Var:
					if !n.Count {
						add(&v.Placeholders, "p", n.Name)
					}
				}
				return true
			})
		}
	}
	if m := r.Match(); m != nil {
		for _, x := range m.Vars {
			add(&v.Match, "m", x.Name)
			if !seen["e"+x.Name] {
				add(&v.Placeholders, "p", x.Name)
			}
		}
	}
	if o := r.Outcome(); o != nil {
		for _, a := range o.Assigns {
			add(&v.Outcomes, "o", a.Var.Name)
		}
	}
	return v
}

// Binding is a placeholder given an event field's value by an events line
// `$p = $e.field` or `$e.field = $p`. Line is the events line it is (or
// is part of, under and); a binding under or or not binds only on that
// branch, and is not listed.
type Binding struct {
	Placeholder *Var
	Field       *Field
	Line        Expr
}

// Bindings returns the placeholder bindings of the events section, in
// order.
func (r *Rule) Bindings() []Binding {
	var out []Binding
	ev := r.Events()
	if ev == nil {
		return nil
	}
	for _, l := range ev.Lines {
		for _, c := range Conjuncts(l) {
			cmp, ok := c.(*Compare)
			if !ok || cmp.Op != Eq {
				continue
			}
			if v, ok := cmp.X.(*Var); ok && !v.Count {
				if f, ok := cmp.Y.(*Field); ok {
					out = append(out, Binding{Placeholder: v, Field: f, Line: l})
				}
			} else if f, ok := cmp.X.(*Field); ok {
				if v, ok := cmp.Y.(*Var); ok && !v.Count {
					out = append(out, Binding{Placeholder: v, Field: f, Line: l})
				}
			}
		}
	}
	return out
}

// Join is a link between two event variables: a comparison of their
// fields (`$e1.x = $e2.y`, Via nil, Op the comparison), or one
// placeholder bound to a field of each (Via the placeholder, Op Eq).
type Join struct {
	Left, Right *Field
	Op          Kind
	Via         *Var
}

// Joins returns the joins between distinct event variables of the
// events section: direct comparisons of two events' fields (at the top of
// a line or under and), and placeholders bound to fields of two events
// (each later binding joined to the first binding of another event).
func (r *Rule) Joins() []Join {
	var out []Join
	ev := r.Events()
	if ev == nil {
		return nil
	}
	for _, l := range ev.Lines {
		for _, c := range Conjuncts(l) {
			if cmp, ok := c.(*Compare); ok {
				fx, okx := cmp.X.(*Field)
				fy, oky := cmp.Y.(*Field)
				if okx && oky && fx.Var.Name != fy.Var.Name {
					out = append(out, Join{Left: fx, Right: fy, Op: cmp.Op})
				}
			}
		}
	}
	first := map[string][]Binding{} // placeholder → its bindings, one per event variable
	for _, b := range r.Bindings() {
		bs := first[b.Placeholder.Name]
		dup := false
		for _, o := range bs {
			if o.Field.Var.Name == b.Field.Var.Name {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if len(bs) > 0 {
			out = append(out, Join{Left: bs[0].Field, Right: b.Field, Op: Eq, Via: b.Placeholder})
		}
		first[b.Placeholder.Name] = append(bs, b)
	}
	return out
}

// Conjuncts returns the parts of x that must all hold: x split at and
// (parentheses looked through), or x itself.
func Conjuncts(x Expr) []Expr {
	var out []Expr
	var walk func(Expr)
	walk = func(x Expr) {
		switch n := x.(type) {
		case *Paren:
			walk(n.X)
			return
		case *Binary:
			if n.Op == KwAnd {
				walk(n.X)
				walk(n.Y)
				return
			}
		}
		out = append(out, x)
	}
	walk(x)
	return out
}

// Disjuncts returns the parts of x of which one must hold: x split at or
// (parentheses looked through), or x itself.
func Disjuncts(x Expr) []Expr {
	var out []Expr
	var walk func(Expr)
	walk = func(x Expr) {
		switch n := x.(type) {
		case *Paren:
			walk(n.X)
			return
		case *Binary:
			if n.Op == KwOr {
				walk(n.X)
				walk(n.Y)
				return
			}
		}
		out = append(out, x)
	}
	walk(x)
	return out
}
