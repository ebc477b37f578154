package lowerspl

import (
	"strings"

	"github.com/ruledex/ruledex/internal/rule"
)

// dataSources adds a stage of kind "data_source" for each data source an
// ESCU detection names (rule.DataConnectors): the source it reads and, when
// the data source stands for one event type, the separator field's value
// (Sysmon EventID 1: EventID = 1). Through the catalog's actions data
// these give the detection its events and actions.
func (l *lowering) dataSources(ctx *Context) {
	r := l.r
	var names []string
	for _, name := range r.DataConnectors {
		// "Sysmon EventID 1 AND Sysmon EventID 11": a detection that needs both
		names = append(names, strings.Split(name, " AND ")...)
	}
	for _, name := range names {
		name = strings.TrimSpace(name)
		ds := ctx.DataSources[strings.ToLower(name)]
		if ds == nil {
			ds = builtinSource(name)
		}
		if ds == nil {
			if len(ctx.DataSources) > 0 {
				r.AddDiagnostic(rule.SevWarning, max(r.Source.Line, 1), 1, prefixSource+"\""+name+"\": not among the repository's data sources")
			}
			continue
		}
		st := rule.Stage{N: len(r.Stages) + 1, Kind: "data_source", Text: name, Source: ds.Source, Predicates: []rule.Predicate{}}
		if st.Source == "" {
			st.Source = ds.Sourcetype
		}
		if ds.Separator != "" && ds.Value != "" {
			st.Predicates = append(st.Predicates, rule.Predicate{Field: ds.Separator, Kind: rule.OpEq, Values: []string{ds.Value},
				Text: ds.Separator + "=" + ds.Value})
		}
		for _, t := range []string{ds.Source, ds.Sourcetype} {
			if t != "" {
				l.addTable(t)
			}
		}
		r.Stages = append(r.Stages, st)
	}
}

// sourceValues gives each data source of a repository the value of its
// separator it stands for: the rest of its name after the words that the
// data sources of the same source, sourcetype and separator share (AWS
// CloudTrail CreateKey: CreateKey), or what the ESCU naming says for one
// alone (Sysmon EventID 1: 1).
func sourceValues(all []*dataSource) {
	groups := map[string][]*dataSource{}
	for _, d := range all {
		if d.Separator == "" {
			continue
		}
		k := strings.ToLower(d.Source + "\x00" + d.Sourcetype + "\x00" + d.Separator)
		groups[k] = append(groups[k], d)
	}
	for _, g := range groups {
		if len(g) == 1 {
			if b := builtinSource(g[0].Name); b != nil {
				g[0].Value = b.Value
			} else if w := strings.Fields(g[0].Name); len(w) > 1 && isDigits(w[len(w)-1]) {
				g[0].Value = w[len(w)-1]
			}
			continue
		}
		prefix := strings.Fields(g[0].Name)
		for _, d := range g[1:] {
			w := strings.Fields(d.Name)
			n := 0
			for n < len(prefix) && n < len(w) && strings.EqualFold(prefix[n], w[n]) {
				n++
			}
			prefix = prefix[:n]
		}
		for _, d := range g {
			w := strings.Fields(d.Name)
			if len(w) > len(prefix) && len(prefix) > 0 {
				d.Value = strings.Join(w[len(prefix):], " ")
			}
		}
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
