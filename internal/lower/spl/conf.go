package lowerspl

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
)

// The .conf files of a Splunk app (default/ or local/): savedsearches.conf,
// one saved search a [stanza] (Enterprise Security correlation searches
// among them), and macros.conf, one macro a [name] or [name(N)] stanza.
// A line is `key = value`; a value continues on the next line when its
// line ends with a backslash (the line break is kept); lines beginning
// with # are comments.
// https://docs.splunk.com/Documentation/Splunk/latest/Admin/Savedsearchesconf
// https://docs.splunk.com/Documentation/Splunk/latest/Admin/Macrosconf

// stanza is one [name] of a .conf file with its keys.
type stanza struct {
	name string
	line int
	keys map[string]string
	at   map[string]int // line of each key
	ord  []string
}

// parseConf reads the stanzas of a .conf file; keys before the first
// stanza are in a stanza named "default".
func parseConf(data []byte) []*stanza {
	lines := strings.Split(string(data), "\n")
	cur := &stanza{name: "default", line: 1, keys: map[string]string{}, at: map[string]int{}}
	out := []*stanza{cur}
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";"):
			continue
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			cur = &stanza{name: strings.TrimSpace(l[1 : len(l)-1]), line: i + 1, keys: map[string]string{}, at: map[string]int{}}
			out = append(out, cur)
			continue
		}
		eq := strings.IndexByte(l, '=')
		if eq <= 0 {
			continue
		}
		key := strings.TrimSpace(l[:eq])
		val := strings.TrimLeft(l[eq+1:], " \t")
		start := i + 1
		for strings.HasSuffix(val, `\`) && i+1 < len(lines) {
			i++
			val = val[:len(val)-1] + "\n" + lines[i]
		}
		val = strings.TrimRight(val, " \t")
		if _, ok := cur.keys[key]; !ok {
			cur.ord = append(cur.ord, key)
		}
		cur.keys[key] = val
		cur.at[key] = start
	}
	return out
}

func baseName(p string) string { return strings.ToLower(p[strings.LastIndexByte(p, '/')+1:]) }

var searchKey = regexp.MustCompile(`(?m)^[ \t]*search[ \t]*=`)
var definitionKey = regexp.MustCompile(`(?m)^[ \t]*definition[ \t]*=`)
var stanzaLine = regexp.MustCompile(`(?m)^[ \t]*\[[^\]\n]+\][ \t]*$`)

func matchSaved(f *lang.File) bool {
	if f.Ext() != "conf" {
		return false
	}
	return (baseName(f.Path) == "savedsearches.conf" || stanzaLine.Match(f.Data)) && searchKey.Match(f.Data)
}

func matchMacros(f *lang.File) bool {
	if f.Ext() != "conf" {
		return false
	}
	return (baseName(f.Path) == "macros.conf" || stanzaLine.Match(f.Data)) && definitionKey.Match(f.Data) && !searchKey.Match(f.Data)
}

// readSaved reads each stanza with a search as a rule.
func readSaved(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	var items []lang.Item
	for _, s := range parseConf(f.Data) {
		q, ok := s.keys["search"]
		if !ok || s.name == "default" {
			continue
		}
		items = append(items, lang.Item{Rule: savedRule(f, s, q)})
	}
	if len(items) == 0 {
		return nil, []rule.Diagnostic{{Path: f.Path, Line: 1, Col: 1, Severity: rule.SevWarning, Message: "no saved search with a search in the file"}}
	}
	return items, nil
}

func savedRule(f *lang.File, s *stanza, q string) *rule.Rule {
	k := s.keys
	r := &rule.Rule{Platform: Platform, Language: Name, Format: FormatSaved, ID: s.name, Name: s.name, Title: s.name,
		Kind: rule.KindDetection, Query: q, QueryLine: s.at["search"], Description: k["description"]}
	r.Source.Line = s.line
	if t := k["action.correlationsearch.label"]; t != "" {
		r.Title = t
	}
	if r.Description == "" {
		r.Description = k["action.notable.param.rule_description"]
	}
	r.Severity = strings.ToLower(k["action.notable.param.severity"])
	if v := k["disabled"]; v == "1" || strings.EqualFold(v, "true") {
		r.Status = "disabled"
	}
	for _, key := range s.ord {
		switch {
		case key == "cron_schedule", key == "enableSched", key == "disabled", strings.HasPrefix(key, "dispatch."),
			strings.HasPrefix(key, "alert."), strings.HasPrefix(key, "action.notable.param."), strings.HasPrefix(key, "action.risk"),
			key == "action.correlationsearch.enabled", key == "action.notable", key == "action.risk", key == "counttype",
			key == "relation", key == "quantity", key == "schedule_window", key == "action.correlationsearch.annotations":
			setting(r, key, k[key])
		}
	}
	// ATT&CK: the annotations' mitre_attack ids.
	if a := k["action.correlationsearch.annotations"]; a != "" {
		var ann map[string]any
		if err := json.Unmarshal([]byte(a), &ann); err != nil {
			r.AddDiagnostic(rule.SevWarning, s.at["action.correlationsearch.annotations"], 1, "action.correlationsearch.annotations is not JSON: "+err.Error())
		}
		for _, key := range []string{"mitre_attack", "mitre_attack_id"} {
			for _, id := range stringsOf(ann[key]) {
				r.Techniques = append(r.Techniques, rule.Technique{ID: strings.ToUpper(strings.TrimSpace(id))})
			}
		}
		for _, key := range []string{"analytic_story", "cis20", "kill_chain_phases", "nist"} {
			r.Tags = append(r.Tags, stringsOf(ann[key])...)
		}
	}
	return r
}

func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// readMacros reads each stanza of macros.conf as a macro rule.
func readMacros(f *lang.File) ([]lang.Item, []rule.Diagnostic) {
	var items []lang.Item
	for _, s := range parseConf(f.Data) {
		def, ok := s.keys["definition"]
		if !ok || s.name == "default" {
			continue
		}
		name, n := s.name, 0
		if i := strings.IndexByte(name, '('); i > 0 && strings.HasSuffix(name, ")") {
			n, _ = strconv.Atoi(name[i+1 : len(name)-1])
			name = name[:i]
		}
		var args []string
		for _, a := range strings.Split(s.keys["args"], ",") {
			if a = strings.TrimSpace(a); a != "" {
				args = append(args, a)
			}
		}
		r := &rule.Rule{Platform: Platform, Language: Name, Format: FormatMacros, Kind: KindMacro, Name: macroKey(name, n),
			Title: macroKey(name, n), Query: def, QueryLine: s.at["definition"], Description: s.keys["description"]}
		r.ID = "macro " + r.Name
		r.Source.Line = s.line
		if len(args) != n {
			r.AddDiagnostic(rule.SevWarning, s.line, 1, "macro "+s.name+" has "+strconv.Itoa(len(args))+" argument names in args for "+strconv.Itoa(n)+" arguments")
		}
		for _, a := range args {
			r.Params = append(r.Params, rule.Param{Name: a, Kind: "argument"})
		}
		if v := s.keys["iseval"]; v == "1" || strings.EqualFold(v, "true") {
			setting(r, "iseval", "1")
		}
		items = append(items, lang.Item{Rule: r})
	}
	return items, nil
}

// ---- schedules

var relTime = regexp.MustCompile(`^(?:rt)?-?(\d*)([a-zA-Z]+)(?:@\w+)?$`)

// seconds returns how far back a Splunk relative time (-70m@m, -24h, -7d@d)
// is, in seconds; now and "" are 0; ok is false for what it cannot read.
func seconds(t string) (int, bool) {
	t = strings.TrimSpace(t)
	if t == "" || t == "now" || t == "0" || t == "rt" || strings.HasPrefix(t, "@") {
		return 0, true
	}
	m := relTime.FindStringSubmatch(t)
	if m == nil || !strings.Contains(t, "-") {
		return 0, false
	}
	n := 1
	if m[1] != "" {
		n, _ = strconv.Atoi(m[1])
	}
	unit := map[string]int{"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
		"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400,
		"w": 604800, "week": 604800, "weeks": 604800, "mon": 2592000, "month": 2592000, "months": 2592000, "y": 31536000, "year": 31536000}[strings.ToLower(m[2])]
	if unit == 0 {
		return 0, false
	}
	return n * unit, true
}

// window is the time a search from earliest to latest covers ("1h"), ""
// when it cannot be told.
func window(earliest, latest string) string {
	e, ok1 := seconds(earliest)
	l, ok2 := seconds(latest)
	if !ok1 || !ok2 || e <= l {
		return ""
	}
	return duration(e - l)
}

func duration(s int) string {
	switch {
	case s%86400 == 0:
		return strconv.Itoa(s/86400) + "d"
	case s%3600 == 0:
		return strconv.Itoa(s/3600) + "h"
	case s%60 == 0:
		return strconv.Itoa(s/60) + "m"
	}
	return strconv.Itoa(s) + "s"
}

// cronFrequency is how often a cron schedule runs, for the usual shapes
// (every N minutes, hourly, daily); other schedules as written.
func cronFrequency(cron string) string {
	f := strings.Fields(cron)
	if len(f) != 5 {
		return strings.TrimSpace(cron)
	}
	num := func(s string) bool { _, err := strconv.Atoi(s); return err == nil }
	rest := f[2] == "*" && f[3] == "*" && f[4] == "*"
	switch {
	case rest && f[1] == "*" && strings.HasPrefix(f[0], "*/") && num(f[0][2:]):
		n, _ := strconv.Atoi(f[0][2:])
		return duration(n * 60)
	case rest && f[1] == "*" && f[0] == "*":
		return "1m"
	case rest && f[1] == "*" && num(f[0]):
		return "1h"
	case rest && strings.HasPrefix(f[1], "*/") && num(f[1][2:]) && num(f[0]):
		n, _ := strconv.Atoi(f[1][2:])
		return duration(n * 3600)
	case rest && num(f[1]) && num(f[0]):
		return "1d"
	}
	return cron
}
