package sigma

import (
	"fmt"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"

	"go.yaml.in/yaml/v3"
)

// readDetection reads a detection section (or the search part of a filter,
// whose keys in skip are not search identifiers).
func (r *docReader) readDetection(key, n *yaml.Node, skip map[string]bool) *Detection {
	det := &Detection{Key: key}
	v := resolve(n)
	if v == nil || v.Kind != yaml.MappingNode {
		r.errorf(n, "%s must be a map of search identifiers and a condition, not %s", key.Value, kindName(n))
		return det
	}
	r.checkDuplicateKeys(v, key.Value)
	var condKey, condVal *yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		switch {
		case skip[k.Value]:
		case k.Value == "condition":
			condKey, condVal = k, x
		case k.Value == "timeframe":
			det.Timeframe = r.scalar(k, x, "timeframe", false)
			r.warnf(k, "timeframe is obsolete since Sigma 2.0: a correlation rule's timespan replaces it")
		default:
			det.Searches = append(det.Searches, r.readSearch(k, x))
		}
	}
	if condKey == nil {
		r.errorf(key, "%s has no condition", key.Value)
		return det
	}
	cv := resolve(condVal)
	switch {
	case cv != nil && cv.Kind == yaml.ScalarNode && cv.ShortTag() != "!!null":
		det.Conditions = append(det.Conditions, r.readCondition(cv, det))
	case cv != nil && cv.Kind == yaml.SequenceNode && len(cv.Content) > 0:
		for _, it := range cv.Content {
			c := resolve(it)
			if c == nil || c.Kind != yaml.ScalarNode {
				r.errorf(it, "each condition must be a string, not %s", kindName(it))
				continue
			}
			det.Conditions = append(det.Conditions, r.readCondition(c, det))
		}
	default:
		r.errorf(condKey, "condition must be a string (or a list of strings), not %s", kindName(condVal))
	}
	r.checkUse(det)
	return det
}

// readSearch reads one search identifier.
func (r *docReader) readSearch(k, n *yaml.Node) *Search {
	s := &Search{Name: k.Value, Key: k, Pos: r.pos(k), Kind: SearchInvalid, Snippet: r.src.snippet(k)}
	if k.Value == "" {
		r.errorf(k, "a search identifier needs a name")
	}
	v := resolve(n)
	if v == nil {
		return s
	}
	switch v.Kind {
	case yaml.MappingNode:
		s.Kind = SearchMap
		if len(v.Content) == 0 {
			r.errorf(n, "search identifier %q is an empty map", s.Name)
		}
		s.Alts = append(s.Alts, r.readMap(v))
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			r.errorf(n, "search identifier %q is an empty list", s.Name)
			return s
		}
		maps, strs := 0, 0
		var kw *Match
		for _, it := range v.Content {
			x := resolve(it)
			switch {
			case x == nil:
			case x.Kind == yaml.MappingNode:
				maps++
				kw = nil
				s.Alts = append(s.Alts, r.readMap(x))
			case x.Kind == yaml.ScalarNode:
				strs++
				if kw == nil {
					kw = &Match{KeyPos: r.pos(x), ValuePos: r.pos(x), List: true, Keyword: true}
					s.Alts = append(s.Alts, &Alt{Pos: r.pos(x), Matches: []*Match{kw}})
				}
				kw.Values = append(kw.Values, r.readValue(x, kw))
			default:
				r.errorf(it, "an item of search identifier %q must be a map or a string, not %s", s.Name, kindName(it))
			}
		}
		switch {
		case maps == 0:
			s.Kind = SearchKeywords
		default:
			s.Kind = SearchList
		}
		for _, a := range s.Alts {
			for _, m := range a.Matches {
				if m.Keyword && m.Key == "" {
					r.checkValues(m)
				}
			}
		}
	case yaml.ScalarNode:
		if v.ShortTag() == "!!null" {
			r.errorf(n, "search identifier %q has no value", s.Name)
			return s
		}
		s.Kind = SearchKeywords
		kw := &Match{KeyPos: r.pos(v), ValuePos: r.pos(v), Keyword: true}
		kw.Values = append(kw.Values, r.readValue(v, kw))
		r.checkValues(kw)
		s.Alts = append(s.Alts, &Alt{Pos: r.pos(v), Matches: []*Match{kw}})
	}
	return s
}

// readMap reads one map of a search: field|modifiers: values, linked by AND.
func (r *docReader) readMap(v *yaml.Node) *Alt {
	a := &Alt{Pos: r.pos(v)}
	r.checkDuplicateKeys(v, "search map")
	for i := 0; i+1 < len(v.Content); i += 2 {
		a.Matches = append(a.Matches, r.readMatch(v.Content[i], v.Content[i+1]))
	}
	return a
}

// readMatch reads one key of a search map and its values.
func (r *docReader) readMatch(k, n *yaml.Node) *Match {
	m := &Match{Key: k.Value, KeyPos: r.pos(k), ValuePos: r.pos(n)}
	parts := strings.Split(k.Value, "|")
	m.Field = parts[0]
	col := len(parts[0]) // byte offset in the key of the '|' before each modifier
	for _, name := range parts[1:] {
		mod := Modifier{Name: name, Info: Modifiers[name], Pos: r.keyOffsetPos(k, col+1)}
		m.Modifiers = append(m.Modifiers, mod)
		col += 1 + len(name)
	}
	if m.Field == "" {
		if len(m.Modifiers) == 0 {
			r.errorf(k, "a field name is missing")
		}
		m.Keyword = true
	}
	v := resolve(n)
	switch {
	case v == nil:
	case v.Kind == yaml.ScalarNode:
		m.Values = append(m.Values, r.readValue(v, m))
	case v.Kind == yaml.SequenceNode:
		m.List = true
		if len(v.Content) == 0 {
			r.errorf(n, "%q has an empty list of values", m.Key)
		}
		m.Values = make([]*Value, 0, len(v.Content))
		for _, it := range v.Content {
			x := resolve(it)
			if x == nil || x.Kind != yaml.ScalarNode {
				r.errorf(it, "values of %q must be strings, numbers, booleans or null, not %s", m.Key, kindName(it))
				continue
			}
			m.Values = append(m.Values, r.readValue(x, m))
		}
	default:
		r.errorf(n, "the value of %q must be a string, number, boolean, null or a list of them, not %s", m.Key, kindName(n))
	}
	r.checkValues(m)
	return m
}

// keyOffsetPos returns the position of byte offset off in the plain key k.
// Quoted keys start one column later.
func (r *docReader) keyOffsetPos(k *yaml.Node, off int) Position {
	col := k.Column
	if k.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
		col++
	}
	if off > len(k.Value) {
		off = len(k.Value)
	}
	return r.src.pos(k.Line, col+len([]rune(k.Value[:off])))
}

// checkValues parses the string values of m and validates its modifiers.
func (r *docReader) checkValues(m *Match) {
	expand := m.Has("expand")
	wild := readsWildcards(m)
	for _, v := range m.Values {
		if v.Type == TypeString && wild {
			v.Parts = SplitString(v.Raw, expand)
		}
		if expand && v.Type == TypeString && len(v.Placeholders()) == 0 {
			r.add(v.Pos, diag.Warning, fmt.Sprintf("modifier \"expand\" but %q holds no %%placeholder%%", v.Raw))
		}
	}
	r.d.Errors = append(r.d.Errors, validateModifiers(m)...)
}

// readValue reads one scalar value.
func (r *docReader) readValue(x *yaml.Node, m *Match) *Value {
	v := &Value{Raw: x.Value, Pos: r.pos(x)}
	switch x.ShortTag() {
	case "!!int", "!!float":
		v.Type = TypeNumber
	case "!!bool":
		v.Type = TypeBool
	case "!!null":
		v.Type = TypeNull
	}
	return v
}

// readCondition parses one condition and maps its errors to file positions.
func (r *docReader) readCondition(n *yaml.Node, det *Detection) *Condition {
	c := &Condition{Text: n.Value, Pos: r.pos(n), Node: n, src: r.src}
	c.offsets = r.alignScalar(n)
	if len(c.offsets) > 0 && c.offsets[0] >= 0 {
		c.Pos = r.src.offsetPos(c.offsets[0])
	}
	x, errs := parseCondition(n.Value)
	c.Expr = x
	for _, e := range errs {
		r.add(c.Position(e.Span.Start), e.Severity, "condition: "+e.Msg)
	}
	return c
}

// alignScalar maps each byte offset of the scalar n's value to its byte
// offset in the file, by walking the value and its source text together:
// the source holds the same characters, plus quotes, indentation and line
// breaks that fold into spaces. Offsets that cannot be matched are -1.
func (r *docReader) alignScalar(n *yaml.Node) []int {
	text := n.Value
	offs := make([]int, len(text)+1)
	src := r.src.src
	p := r.src.pos(n.Line, n.Column).Offset
	end := len(src)
	if p < 0 {
		for i := range offs {
			offs[i] = -1
		}
		return offs
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		q := p
		found := false
		for ; q < end && q-p < 256; q++ {
			sc := src[q]
			if sc == c || ((c == ' ' || c == '\n') && sc == '\n') {
				found = true
				break
			}
		}
		if !found {
			offs[i] = -1
			continue
		}
		offs[i] = q
		p = q + 1
	}
	offs[len(text)] = p
	return offs
}

// checkUse checks that every identifier the conditions name exists and that
// every pattern matches one, and warns of search identifiers no condition
// uses.
func (r *docReader) checkUse(det *Detection) {
	used := make(map[string]bool, len(det.Searches))
	for _, c := range det.Conditions {
		c := c
		Inspect(c.Expr, func(x Expr) bool {
			switch x := x.(type) {
			case *Ident:
				if det.Search(x.Name) == nil {
					r.add(c.Position(x.NamePos), diag.Error, fmt.Sprintf("condition: unknown search identifier %q", x.Name))
				}
				used[x.Name] = true
			case *OfExpr:
				ss := det.Match(x)
				if len(ss) == 0 {
					if x.Them {
						r.add(c.Position(x.PatternPos), diag.Error, "condition: \"them\" names no search identifier")
					} else {
						r.add(c.Position(x.PatternPos), diag.Error, fmt.Sprintf("condition: pattern %q matches no search identifier", x.Pattern))
					}
				}
				for _, s := range ss {
					used[s.Name] = true
				}
			}
			return true
		})
	}
	if len(det.Conditions) == 0 {
		return
	}
	for _, s := range det.Searches {
		if !used[s.Name] && !strings.HasPrefix(s.Name, "_") {
			r.add(s.Pos, diag.Warning, fmt.Sprintf("search identifier %q is not used by the condition", s.Name))
		}
	}
}
