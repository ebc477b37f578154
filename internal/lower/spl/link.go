package lowerspl

import (
	"path"
	"strings"

	"github.com/ruledex/ruledex/internal/lang/spl"
	"github.com/ruledex/ruledex/internal/rule"
)

// Link resolves the detections of each repository against the macros, data
// sources and deployments that other files of the same repository define
// (a format reads one file at a time, so these are rules of their own
// kinds: macro, data_source, deployment), and lowers each detection again
// with them. A macro of a macros.conf serves the savedsearches.conf of its
// own app first (the folder above default/ or local/), then any rule of the
// repository; ESCU's macros/*.yml serve the whole repository.
//
// Link runs after every build over every rule, those kept from the last
// catalog too: it takes off what the lowering made (the query-derived parts
// and the lowering's diagnostics) and lowers again from the rule's own
// query and settings, so running it twice gives the same rule.
func Link(rules []*rule.Rule) {
	type repoDefs struct {
		macros  map[string][]*rule.Rule // macro key → macro rules
		sources []*dataSource
		sched   map[string]schedule
		dets    []*rule.Rule
		ctx     map[string]*Context // by scope
	}
	repos := map[string]*repoDefs{}
	for _, r := range rules {
		if r == nil || r.Language != Name {
			continue
		}
		d := repos[r.Source.Repo]
		if d == nil {
			d = &repoDefs{macros: map[string][]*rule.Rule{}, sched: map[string]schedule{}, ctx: map[string]*Context{}}
			repos[r.Source.Repo] = d
		}
		s := r.Settings
		switch r.Kind {
		case KindMacro:
			d.macros[r.Name] = append(d.macros[r.Name], r)
		case KindDataSource:
			d.sources = append(d.sources, &dataSource{Name: r.Name, Source: s["source"], Sourcetype: s["sourcetype"], Separator: s["separator"]})
		case KindDeployment:
			if t := strings.ToLower(s["type"]); t != "" {
				d.sched[t] = schedule{Cron: s["cron_schedule"], Earliest: s["earliest_time"], Latest: s["latest_time"]}
			}
		default:
			if r.Query != "" {
				d.dets = append(d.dets, r)
			}
		}
	}
	for _, d := range repos {
		sourceValues(d.sources)
		byName := map[string]*dataSource{}
		for _, s := range d.sources {
			byName[strings.ToLower(s.Name)] = s
		}
		for _, r := range d.dets {
			sc := scope(r)
			ctx := d.ctx[sc]
			if ctx == nil {
				defs := spl.MacroSet{}
				for key, ms := range d.macros {
					m := nearestMacro(ms, sc)
					defs[key] = macroDef(m)
				}
				ctx = &Context{Macros: defs, DataSources: byName, Schedules: d.sched}
				d.ctx[sc] = ctx
			}
			reset(r)
			lowerRule(r, ctx)
		}
	}
}

// scope is the folder whose macros a rule sees first: a .conf file's app
// (the folder above default/ or local/), "" for the rest.
func scope(r *rule.Rule) string {
	switch r.Format {
	case FormatSaved, FormatMacros:
		return path.Dir(path.Dir(r.Source.Path))
	}
	return ""
}

// nearestMacro picks among the definitions of one key the one in scope sc,
// else the first. In an app's own scope its local/ folder's overrides its
// default/ folder's: "the local directory takes precedence over the
// default directory" (Splunk Admin Manual, Configuration file precedence,
// https://docs.splunk.com/Documentation/Splunk/latest/Admin/Wheretofindtheconfigurationfiles).
func nearestMacro(ms []*rule.Rule, sc string) *rule.Rule {
	var found *rule.Rule
	for _, m := range ms {
		if scope(m) == sc {
			if m.Format == FormatMacros && path.Base(path.Dir(m.Source.Path)) == "local" {
				return m
			}
			if found == nil {
				found = m
			}
		}
	}
	if found != nil {
		return found
	}
	return ms[0]
}

func macroDef(m *rule.Rule) *spl.MacroDef {
	name, n := m.Name, 0
	if i := strings.IndexByte(name, '('); i > 0 {
		name, n = name[:i], strings.Count(m.Name[i:], ",")+1
		if k, ok := atoi(m.Name[i+1 : len(m.Name)-1]); ok {
			n = k
		}
	}
	var args []string
	for _, p := range m.Params {
		if p.Kind == "argument" {
			args = append(args, p.Name)
		}
	}
	for len(args) < n {
		args = append(args, "arg"+itoa(len(args)+1))
	}
	return &spl.MacroDef{Name: name, Args: args[:n], Definition: m.Query}
}

// reset takes off what the lowering made of r.
func reset(r *rule.Rule) {
	r.Stages, r.Indicators, r.Outputs, r.Tables = nil, nil, nil, nil
	r.Operators, r.Functions, r.Keywords, r.Params = nil, nil, nil, nil
	r.Events, r.GroupBy = nil, nil
	r.TimeWindow, r.Frequency, r.Explanation, r.ExplanationParts = "", "", "", nil
	delete(r.Settings, "span")
	kept := r.Diagnostics[:0]
	for _, d := range r.Diagnostics {
		if !isLoweringDiag(d) {
			kept = append(kept, d)
		}
	}
	r.Diagnostics = kept
}

func atoi(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, s != ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
