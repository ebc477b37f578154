package sigma

import (
	"regexp"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/diag"

	"go.yaml.in/yaml/v3"
)

// CorrelationTypes are the correlation types of the specification (v2.1.0),
// with what each needs besides rules, and whether its condition counts
// values of a field.
var CorrelationTypes = map[string]struct {
	NeedsCondition bool
	NeedsField     bool
}{
	"event_count":      {NeedsCondition: true},
	"value_count":      {NeedsCondition: true, NeedsField: true},
	"temporal":         {},
	"temporal_ordered": {},
	"value_sum":        {NeedsCondition: true, NeedsField: true},
	"value_avg":        {NeedsCondition: true, NeedsField: true},
	"value_percentile": {NeedsCondition: true, NeedsField: true},
}

// CorrelationOps are the criteria of a correlation condition.
var CorrelationOps = map[string]bool{"gt": true, "gte": true, "lt": true, "lte": true, "eq": true, "neq": true}

var (
	timespanRE      = regexp.MustCompile(`^[0-9]+[smhd]$`)
	timespanLooseRE = regexp.MustCompile(`^[0-9]+[wMy]$`)
)

func (r *docReader) readCorrelation(key, n *yaml.Node) *Correlation {
	c := &Correlation{Key: key}
	v := resolve(n)
	if v == nil || v.Kind != yaml.MappingNode {
		r.errorf(n, "correlation must be a map (type, rules, group-by, timespan, condition), not %s", kindName(n))
		return c
	}
	r.checkDuplicateKeys(v, "correlation")
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		switch k.Value {
		case "type":
			c.Type = r.scalar(k, x, "correlation type", false)
		case "rules":
			c.RulesKey = k
			c.Rules = r.scalarList(k, x, "correlation rules")
		case "group-by":
			c.GroupBy = r.scalarList(k, x, "group-by")
		case "timespan":
			c.Timespan = r.scalar(k, x, "timespan", false)
		case "condition":
			c.CondKey = k
			r.readCorrelationCondition(c, x)
		case "aliases":
			c.Aliases = r.readAliases(x)
		case "generate":
			// pySigma also reads generate here; the specification puts it at the top level.
			if !r.d.Meta.Generate.IsSet() {
				r.d.Meta.Generate = r.scalar(k, x, "generate", false)
			}
		default:
			r.warnf(k, "unknown key %q in correlation", k.Value)
		}
	}
	spec, known := CorrelationTypes[c.Type.Value]
	switch {
	case !c.Type.IsSet():
		r.errorf(key, "correlation type is missing (event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile)")
	case !known:
		r.errorf(c.Type.Node, "unknown correlation type %q (event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile)", c.Type.Value)
	}
	if c.RulesKey == nil || len(c.Rules) == 0 {
		r.errorf(key, "correlation names no rules")
	}
	seen := map[string]bool{}
	for _, s := range c.Rules {
		if seen[s.Value] {
			r.warnf(s.Node, "rule %q is named twice", s.Value)
		}
		seen[s.Value] = true
	}
	if len(c.GroupBy) == 0 {
		r.warnf(key, "correlation has no group-by: all events form one group")
	}
	switch {
	case !c.Timespan.IsSet():
		r.errorf(key, "correlation timespan is missing")
	case timespanRE.MatchString(c.Timespan.Value):
	case timespanLooseRE.MatchString(c.Timespan.Value):
		r.warnf(c.Timespan.Node, "timespan %q: the specification knows s, m, h and d", c.Timespan.Value)
	default:
		r.errorf(c.Timespan.Node, "timespan %q is not a number and a unit (s, m, h, d), such as 5m", c.Timespan.Value)
	}
	if known {
		if spec.NeedsCondition && len(c.Condition) == 0 {
			r.errorf(key, "a %s correlation needs a condition (gt, gte, lt, lte, eq, neq)", c.Type.Value)
		}
		if spec.NeedsField && len(c.Field) == 0 {
			r.errorf(firstNode(c.CondKey, key), "a %s correlation needs the field of its condition", c.Type.Value)
		}
		if !spec.NeedsField && len(c.Field) > 0 {
			r.warnf(c.Field[0].Node, "a %s correlation has no field in its condition", c.Type.Value)
		}
	}
	// Aliases map rule names to fields: each rule they name must be correlated.
	for _, a := range c.Aliases {
		for _, kv := range a.Fields {
			if !seen[kv.Key.Value] {
				r.add(kv.Key.Pos, diag.Error, "alias "+quote(a.Name.Value)+" names rule "+quote(kv.Key.Value)+", which the correlation does not refer to")
			}
		}
	}
	return c
}

func firstNode(ns ...*yaml.Node) *yaml.Node {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}

func quote(s string) string { return "\"" + strings.ReplaceAll(s, "\"", "\\\"") + "\"" }

func (r *docReader) readCorrelationCondition(c *Correlation, n *yaml.Node) {
	v := resolve(n)
	if v == nil || v.Kind != yaml.MappingNode {
		r.errorf(n, "a correlation condition must be a map such as {gte: 100}, not %s", kindName(n))
		return
	}
	r.checkDuplicateKeys(v, "correlation condition")
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		switch {
		case k.Value == "field":
			c.Field = r.scalarList(k, x, "condition field")
		case CorrelationOps[k.Value]:
			val := r.scalar(k, x, "condition "+k.Value, false)
			if val.IsSet() && val.Tag != "!!int" && val.Tag != "!!float" {
				r.errorf(x, "condition %s takes a number, not %q", k.Value, val.Value)
			}
			c.Condition = append(c.Condition, CorrelationCondition{
				Op:    Scalar{Value: k.Value, Pos: r.pos(k), Tag: "!!str", Node: k},
				Value: val,
			})
		default:
			r.errorf(k, "unknown condition %q: a correlation condition is gt, gte, lt, lte, eq, neq or field", k.Value)
		}
	}
}

func (r *docReader) readAliases(n *yaml.Node) []Alias {
	v := resolve(n)
	if v == nil || v.Kind != yaml.MappingNode {
		r.errorf(n, "aliases must be a map of alias names, not %s", kindName(n))
		return nil
	}
	var out []Alias
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, x := v.Content[i], v.Content[i+1]
		a := Alias{Name: Scalar{Value: k.Value, Pos: r.pos(k), Tag: "!!str", Node: k}}
		m := resolve(x)
		if m == nil || m.Kind != yaml.MappingNode {
			r.errorf(x, "alias %q must map rule names to fields, not %s", k.Value, kindName(x))
			continue
		}
		for j := 0; j+1 < len(m.Content); j += 2 {
			rk, rv := m.Content[j], m.Content[j+1]
			a.Fields = append(a.Fields, KeyValue{
				Key:   Scalar{Value: rk.Value, Pos: r.pos(rk), Tag: "!!str", Node: rk},
				Value: r.scalar(rk, rv, "alias field", false),
			})
		}
		out = append(out, a)
	}
	return out
}

func (r *docReader) readFilter(key, n *yaml.Node) *Filter {
	f := &Filter{Key: key}
	v := resolve(n)
	if v == nil || v.Kind != yaml.MappingNode {
		r.errorf(n, "filter must be a map (rules, selection, condition), not %s", kindName(n))
		return f
	}
	if k, x := mapEntry(v, "rules"); x != nil {
		f.RulesKey = k
		f.Rules = r.scalarList(k, x, "filter rules")
	}
	if len(f.Rules) == 0 {
		r.errorf(key, "filter names no rules to apply to")
	}
	f.Detection = r.readDetection(key, v, map[string]bool{"rules": true})
	if len(f.Detection.Searches) == 0 {
		r.errorf(key, "filter has no selection")
	}
	return f
}
