package catalog

import (
	_ "embed"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/ruledex/ruledex/internal/rule"
)

// Actions and "same action" (DESIGN.md). An action is an event type that a
// log source names in one field: an Azure operation, a Windows event
// (provider and id), a CloudTrail event name, an M365 operation... The
// fields are data, in data/actions.yaml: per log source (Kusto tables, Sigma
// log sources), the fields whose values name actions, grouped into key
// spaces (azure, entra, aws, m365, okta, gcp, windows, defender, ...).
//
// Every positive predicate of a rule on an action field of a log source the
// rule reads gives one action key per value, in that source's space, case
// folded. eq and in values are full keys; has, has_any, has_all, contains,
// startswith and endswith values (and Sigma values with a leading or
// trailing *) are partial keys, which match the full keys they are part of
// (has at term boundaries). Beside the fields of the table, a value shaped
// like a whole Azure Resource Manager operation
// (Microsoft.<Provider>/<type>/.../action|write|delete|read) is an azure
// key in any field, and fields that hold Azure operations among other text
// (UEBA's ActivityInsights.EventMessage, ActionType) take values shaped like
// one or like a tail of one ("runCommand/action") as azure keys. So the
// Defender query `ActivityInsights.EventMessage has_any
// ('runCommand/action', ...)` shares the action of the Kusto rule
// `OperationNameValue =~ "Microsoft.Compute/virtualMachines/runCommand/action"`.
//
// Windows keys are provider and event id: the provider is the one a
// predicate names (Event.Source, WindowsEvent.Provider, Sigma
// Provider_Name), else the log source's (Security → Microsoft-Windows-
// Security-Auditing, Sysmon), else the one provider data/events.yaml knows
// for the channel and id. An event id with neither provider nor channel is
// an action of the rule but links no rules. Nor do the few actions that
// data/actions.yaml lists as broad (process creation, logon success), which
// every rule of their kind shares.

//go:embed data/actions.yaml
var actionsYAML []byte

// ActionKey is one action a rule looks at.
type ActionKey struct {
	Space    string // key space: azure, entra, aws, m365, okta, gcp, windows, defender, ...
	Value    string // the key, case-folded; Windows: "provider:id" (folded provider)
	Match    string // "" for a full key; has, contains, startswith or endswith for a partial one
	Field    string // the field the rule names
	Text     string // the value as the rule wrote it (Windows: the event id)
	Provider string // the event provider (Azure Activity, AWS CloudTrail, Microsoft-Windows-Sysmon...)
	Channel  string // the Windows event log channel, when known
}

// Partial tells whether k matches part of an action name.
func (k ActionKey) Partial() bool { return k.Match != "" }

// String returns the key as space:value, partial values written as globs
// (azure:*runcommand/action*).
func (k ActionKey) String() string { return k.Space + ":" + globOf(k.Value, k.Match) }

// Label returns the action as a reader sees it: the name of its event
// (EventName: provider and action), e.g. "Azure Activity:
// Microsoft.Compute/virtualMachines/runCommand/action",
// "Microsoft-Windows-Security-Auditing: 4688", "AWS CloudTrail: *Bucket*";
// a Windows event of no known provider by its channel or id ("System
// 5805", "Windows event 4104").
func (k ActionKey) Label() string { return k.derived().label }

func (k ActionKey) label(e rule.Event) string {
	if n := EventName(e.Provider, e.Event); n != "" {
		return n
	}
	if k.Channel != "" {
		return k.Channel + " " + k.Text
	}
	return "Windows event " + k.Text
}

// keyDerived is what a key's methods make of its fields, made once a key
// (keyMemo): the cross-reference asks for each rule's keys' ids, labels and
// events many times, and at 164,000 rules making them again was a tenth
// of an incremental build.
type keyDerived struct {
	id, label string
	event     rule.Event
}

// keyMemo holds keyDerived by key. It is emptied when it holds maxKeyMemo
// keys (a server that rebuilds for months reads ever new keys).
var keyMemo struct {
	sync.RWMutex
	m map[ActionKey]*keyDerived
}

const maxKeyMemo = 1 << 20

// derived returns k's keyDerived.
func (k ActionKey) derived() *keyDerived {
	keyMemo.RLock()
	d := keyMemo.m[k]
	keyMemo.RUnlock()
	if d != nil {
		return d
	}
	e := k.makeEvent()
	d = &keyDerived{event: e, label: intern(k.label(e))}
	d.id = intern(k.makeID(d.label))
	keyMemo.Lock()
	if keyMemo.m == nil || len(keyMemo.m) >= maxKeyMemo {
		keyMemo.m = map[ActionKey]*keyDerived{}
	}
	keyMemo.m[k] = d
	keyMemo.Unlock()
	return d
}

func globOf(v, match string) string {
	switch match {
	case "has", "contains":
		return "*" + v + "*"
	case "startswith":
		return v + "*"
	case "endswith":
		return "*" + v
	}
	return v
}

// id is the identity of a key for comparison: a full key is its event
// (case variants of one action are one), a partial one its space and part.
func (k ActionKey) id() string { return k.derived().id }

func (k ActionKey) makeID(label string) string {
	if k.Match == "" && k.Provider != "" {
		return "\x00" + Fold(label)
	}
	return k.Space + "\x00" + k.Match + "\x00" + k.Value
}

type actionSpace struct {
	Name     string `yaml:"name"`
	Title    string `yaml:"title"`
	Provider string `yaml:"provider"`
}

type actionSource struct {
	Space          string   `yaml:"space"`
	Provider       string   `yaml:"provider"`
	Channel        string   `yaml:"channel"`
	Tables         []string `yaml:"tables"`
	Logsources     []string `yaml:"logsources"`
	Fields         []string `yaml:"fields"`
	ProviderFields []string `yaml:"provider_fields"`
	ChannelFields  []string `yaml:"channel_fields"`
	Shape          string   `yaml:"shape"`
	Selectors      []string `yaml:"selectors"`

	selectors map[string]bool

	fields, providerFields, channelFields map[string]bool
	logsources                            [][3]string
	spaceProvider                         string
}

type actionData struct {
	Spaces          []actionSpace                `yaml:"spaces"`
	Sources         []*actionSource              `yaml:"sources"`
	ProviderAliases map[string]string            `yaml:"provider_aliases"`
	ActionNames     map[string]map[string]string `yaml:"action_names"` // space → display name → action
	Broad           []string                     `yaml:"broad"`

	byTable    map[string][]int // folded table → sources
	tableGlobs []tableGlob      // tables written with *
	aliases    map[string]string
	names      map[string]map[string]string // space → folded display name → folded action
	titles     map[string]string            // space:folded action → its display name
	spellings  map[string]string            // space:folded action → the action as the data spells it
	broad      map[string]bool              // space:value
	spaces     map[string]actionSpace
}

var (
	actionsOnce sync.Once
	actionsTab  *actionData
)

// actionTable returns the parsed data/actions.yaml.
func actionTable() *actionData {
	actionsOnce.Do(func() {
		d, err := parseActions(actionsYAML)
		if err != nil {
			panic("catalog: data/actions.yaml: " + err.Error())
		}
		actionsTab = d
	})
	return actionsTab
}

func parseActions(data []byte) (*actionData, error) {
	d := &actionData{}
	if err := yaml.Unmarshal(data, d); err != nil {
		return nil, err
	}
	d.spaces = map[string]actionSpace{}
	for _, s := range d.Spaces {
		d.spaces[s.Name] = s
	}
	d.byTable = map[string][]int{}
	for i, s := range d.Sources {
		sp, ok := d.spaces[s.Space]
		if !ok {
			return nil, fmt.Errorf("source %d: unknown space %q", i+1, s.Space)
		}
		if len(s.Fields) == 0 {
			return nil, fmt.Errorf("source %d (%s): no fields", i+1, s.Space)
		}
		if s.Shape != "" && s.Shape != "azure_operation" {
			return nil, fmt.Errorf("source %d (%s): unknown shape %q", i+1, s.Space, s.Shape)
		}
		s.spaceProvider = sp.Provider
		s.fields = fieldSet(s.Fields)
		s.providerFields = fieldSet(s.ProviderFields)
		s.channelFields = fieldSet(s.ChannelFields)
		for _, t := range s.Tables {
			k := Fold(t)
			if strings.Contains(k, "*") {
				if _, err := path.Match(k, ""); err != nil {
					return nil, fmt.Errorf("source %d (%s): table pattern %q: %v", i+1, s.Space, t, err)
				}
				d.tableGlobs = append(d.tableGlobs, tableGlob{k, i})
				continue
			}
			d.byTable[k] = append(d.byTable[k], i)
		}
		s.selectors = map[string]bool{}
		for _, v := range s.Selectors {
			s.selectors[Fold(v)] = true
		}
		for _, ls := range s.Logsources {
			parts := strings.Split(Fold(ls), "/")
			if len(parts) > 3 {
				return nil, fmt.Errorf("source %d (%s): log source %q has more than 3 parts", i+1, s.Space, ls)
			}
			var p [3]string
			for j := range p {
				p[j] = "*"
				if j < len(parts) {
					p[j] = parts[j]
				}
			}
			s.logsources = append(s.logsources, p)
		}
	}
	d.aliases = map[string]string{}
	for k, v := range d.ProviderAliases {
		d.aliases[Fold(k)] = v
	}
	d.names = map[string]map[string]string{}
	d.titles = map[string]string{}
	d.spellings = map[string]string{}
	for space, m := range d.ActionNames {
		d.names[space] = map[string]string{}
		for k, v := range m {
			d.names[space][Fold(k)] = Fold(v)
			d.titles[space+":"+Fold(v)] = k
			d.spellings[space+":"+Fold(v)] = v
		}
	}
	d.broad = map[string]bool{}
	for _, b := range d.Broad {
		d.broad[Fold(b)] = true
	}
	return d, nil
}

func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func fieldSet(fs []string) map[string]bool {
	m := make(map[string]bool, len(fs))
	for _, f := range fs {
		m[normField(f)] = true
	}
	return m
}

// normField is the comparison form of a field name: case-folded, bracketed
// members written as a dotted path (a['b'] and a["b"] are a.b).
func normField(f string) string {
	f = strings.TrimSpace(f)
	// A YARA-L event variable ($e.metadata.product_event_type) is no part
	// of the field.
	if strings.HasPrefix(f, "$") {
		if i := strings.IndexByte(f, '.'); i > 0 {
			f = f[i+1:]
		}
	}
	// A conversion around the field (tostring(x), tolower(x)) names x.
	for n := 0; n < 3 && strings.HasSuffix(f, ")"); n++ {
		i := strings.IndexByte(f, '(')
		if i <= 0 || !isIdent(f[:i]) || strings.Contains(f[i+1:len(f)-1], ",") {
			break
		}
		f = strings.TrimSpace(f[i+1 : len(f)-1])
	}
	if strings.ContainsAny(f, "[") {
		var b strings.Builder
		for i := 0; i < len(f); i++ {
			c := f[i]
			switch {
			case c == '[':
				b.WriteByte('.')
			case c == ']' || c == '\'' || c == '"' || c == ' ':
			default:
				b.WriteByte(c)
			}
		}
		f = b.String()
	}
	return Fold(f)
}

type tableGlob struct {
	pattern string
	source  int
}

// selectorFields name the log source of an event: the data set (Elastic
// ECS) or the product and log type (Chronicle UDM).
var selectorFields = map[string]bool{"event.dataset": true, "data_stream.dataset": true, "event.module": true,
	"metadata.product_name": true, "metadata.log_type": true}

// selectorsOf returns the log sources the rule's positive equality
// predicates on selector fields name (event.dataset: aws.cloudtrail,
// metadata.product_name = "AWS CloudTrail"), folded.
func selectorsOf(preds []posPred) []string {
	var out []string
	for _, p := range preds {
		if m, ok := matchOf(p.kind); !ok || m != "" || !selectorFields[normField(p.field)] {
			continue
		}
		for _, v := range p.values {
			out = append(out, Fold(strings.TrimSpace(v)))
		}
	}
	return out
}

// sourcesOf returns the action sources that apply to the log sources r
// reads (its tables, Sigma log sources, index patterns, or the data sets and
// products its predicates name), in the data's order.
func (d *actionData) sourcesOf(r *rule.Rule, selectors []string) []*actionSource {
	var idx []int
	seen := map[int]bool{}
	add := func(i int) {
		if !seen[i] {
			seen[i] = true
			idx = append(idx, i)
		}
	}
	for _, t := range r.Tables {
		if strings.Count(t, "/") == 2 {
			parts := strings.SplitN(Fold(t), "/", 3)
			for i, s := range d.Sources {
				for _, p := range s.logsources {
					if partMatch(p[0], parts[0]) && partMatch(p[1], parts[1]) && partMatch(p[2], parts[2]) {
						add(i)
						break
					}
				}
			}
			continue
		}
		ft := Fold(t)
		for _, i := range d.byTable[ft] {
			add(i)
		}
		for _, g := range d.tableGlobs {
			if ok, _ := path.Match(g.pattern, ft); ok {
				add(g.source)
			}
		}
	}
	if len(selectors) > 0 {
		for i, s := range d.Sources {
			for _, v := range selectors {
				if s.selectors[v] {
					add(i)
					break
				}
			}
		}
	}
	sort.Ints(idx)
	out := make([]*actionSource, len(idx))
	for j, i := range idx {
		out[j] = d.Sources[i]
	}
	return out
}

func partMatch(pattern, v string) bool { return pattern == "*" || pattern == v }

var (
	azureOpRE   = regexp.MustCompile(`^microsoft\.[a-z0-9]+(?:\.[a-z0-9]+)*(?:/[^/\s"'*?]+)+/(?:action|write|delete|read)$`)
	azureTailRE = regexp.MustCompile(`^[a-z0-9._-]*(?:/[a-z0-9._-]+)*/(?:action|write|delete|read)$`)
	azureHeadRE = regexp.MustCompile(`^microsoft\.[a-z0-9]+(?:\.[a-z0-9]+)*/[a-z0-9._/-]*$`)
)

// IsAzureOperation tells whether v (any case) is shaped like a whole Azure
// Resource Manager operation: Microsoft.<Provider>/<type>/.../<verb> with
// verb action, write, delete or read.
func IsAzureOperation(v string) bool { return azureOpRE.MatchString(Fold(v)) }

// azurePart tells whether the folded v looks like part of an Azure
// operation: a tail ending with /verb, or a head starting Microsoft.X/.
func azurePart(v string) bool {
	return strings.Contains(v, "/") && (azureTailRE.MatchString(v) || azureHeadRE.MatchString(v))
}

// matchOf returns how a predicate kind matches an action name: "" for
// equality, has, contains, startswith or endswith; ok is false for kinds
// that name no action (negations, ranges, regular expressions, exists).
func matchOf(kind string) (match string, ok bool) {
	switch kind {
	case rule.OpEq, rule.OpIn:
		return "", true
	case rule.OpHas, rule.OpHasAny, rule.OpHasAll:
		return "has", true
	case rule.OpContains, rule.OpKeyword:
		return "contains", true
	case rule.OpStartsWith, rule.OpHasPrefix:
		return "startswith", true
	case rule.OpEndsWith, rule.OpHasSuffix:
		return "endswith", true
	}
	return "", false
}

// globValue turns a value with Sigma-style leading/trailing * into a partial
// match; ok is false when a wildcard stays inside the value.
func globValue(v, match string) (string, string, bool) {
	lead := strings.HasPrefix(v, "*")
	trail := len(v) > 1 && strings.HasSuffix(v, "*") && !strings.HasSuffix(v, `\*`)
	core := v
	if lead {
		core = core[1:]
	}
	if trail {
		core = core[:len(core)-1]
	}
	if core == "" {
		return "", "", false
	}
	if strings.ContainsAny(core, "*?") {
		return "", "", false
	}
	switch {
	case !lead && !trail:
		return core, match, true
	case lead && trail:
		return core, "contains", true
	case lead:
		if match == "startswith" || match == "contains" || match == "has" {
			return core, "contains", true
		}
		return core, "endswith", true
	default:
		if match == "endswith" || match == "contains" || match == "has" {
			return core, "contains", true
		}
		return core, "startswith", true
	}
}

// posPred is a positive predicate value source: field, kind, values.
type posPred struct {
	field, kind string
	values      []string
	wildcards   bool // values are patterns: a leading or trailing * makes a partial match
}

// positivePredicates returns the rule's positive predicates (stages at
// every depth) and indicators.
func positivePredicates(r *rule.Rule) []posPred {
	var out []posPred
	eachPredicate(r.Stages, func(p *rule.Predicate) {
		if !p.Negated && len(p.Values) > 0 {
			out = append(out, posPred{p.Field, p.Kind, p.Values, p.Wildcards})
		}
	})
	for _, in := range r.Indicators {
		if !in.Negated && len(in.Values) > 0 {
			out = append(out, posPred{in.Field, in.Kind, in.Values, in.Wildcards})
		}
	}
	return out
}

// ActionKeys returns the actions r looks at, each once, in order of first
// appearance (see the package's notes on actions).
func ActionKeys(r *rule.Rule) []ActionKey {
	if r == nil {
		return nil
	}
	d := actionTable()
	preds := positivePredicates(r)
	srcs := d.sourcesOf(r, selectorsOf(preds))
	var keys []ActionKey
	seen := map[string]bool{}
	add := func(k ActionKey) {
		if id := k.id(); !seen[id] {
			seen[id] = true
			keys = append(keys, k)
		}
	}
	// Windows providers and channels the rule names, per source.
	type pc struct {
		providers, channels []string
		defaulted           bool // providers is the source's default
	}
	winCtx := map[*actionSource]*pc{}
	winOf := func(s *actionSource) *pc {
		if c, ok := winCtx[s]; ok {
			return c
		}
		c := &pc{}
		for _, p := range preds {
			if m, ok := matchOf(p.kind); !ok || m != "" {
				continue
			}
			f := normField(p.field)
			for _, v := range p.values {
				v = strings.TrimSpace(v)
				if v == "" {
					continue
				}
				if s.providerFields[f] {
					c.providers = appendUnique(c.providers, d.provider(v))
				} else if s.channelFields[f] {
					c.channels = appendUnique(c.channels, v)
				}
			}
		}
		if len(c.providers) == 0 && s.Provider != "" {
			c.providers, c.defaulted = []string{s.Provider}, true
		}
		if len(c.channels) == 0 && s.Channel != "" {
			c.channels = []string{s.Channel}
		}
		winCtx[s] = c
		return c
	}
	// winKeys returns the keys of Windows event id of a source's field.
	winKeys := func(s *actionSource, field, id string) []ActionKey {
		c := winOf(s)
		providers := c.providers
		if c.defaulted && len(c.channels) == 1 {
			// The log's usual provider may not write this event
			// (Security 1102 comes from Microsoft-Windows-Eventlog).
			if pr := eventProvider(c.channels[0], id); pr != "" {
				providers = []string{pr}
			}
		}
		if c.defaulted && len(providers) == 1 && EventTitle(providers[0], id) == "" {
			// Nor may it write this id at all: a query of the Security
			// table for 7045 means the one provider that writes 7045.
			// Where several write it, which one is not known: the event
			// has its channel and no provider.
			if pr, n := onlyProvider(id); pr != "" {
				providers = []string{pr}
			} else if n > 1 {
				providers = nil
			}
		}
		if len(providers) == 0 {
			for _, ch := range c.channels {
				if pr := eventProvider(ch, id); pr != "" {
					providers = appendUnique(providers, pr)
				}
			}
		}
		channel := ""
		if len(c.channels) == 1 {
			channel = c.channels[0]
		}
		if len(providers) == 0 {
			k := ActionKey{Space: "windows", Value: ":" + id, Field: field, Text: id, Channel: channel}
			if channel != "" {
				k.Value = "channel " + Fold(channel) + ":" + id
			}
			return []ActionKey{k}
		}
		var out []ActionKey
		for _, pr := range providers {
			ch := channel
			if ch == "" {
				ch = eventChannel(pr, id)
			}
			out = append(out, ActionKey{Space: "windows", Value: Fold(pr) + ":" + id, Field: field, Text: id, Provider: pr, Channel: ch})
		}
		return out
	}
	for _, p := range preds {
		match, ok := matchOf(p.kind)
		if !ok {
			continue
		}
		f := normField(p.field)
		for _, raw := range p.values {
			v, m := strings.TrimSpace(raw), match
			if v == "" {
				continue
			}
			if p.wildcards {
				var ok bool
				if v, m, ok = globValue(v, m); !ok {
					continue
				}
			}
			folded := Fold(v)
			done := false
			for _, s := range srcs {
				if p.kind == rule.OpKeyword || !s.fields[f] {
					continue
				}
				if s.Space == "windows" {
					if m != "" {
						continue
					}
					id := eventID(v)
					if id == "" {
						continue
					}
					// Of the rule's Windows log sources with this field, the
					// providers known to write the event (a Splunk search
					// over Sysmon and Security with EventCode=1 reads Sysmon
					// 1, not Security 1); when none is known to, those of
					// the first source.
					var first, known []ActionKey
					for _, s2 := range srcs {
						if s2.Space != "windows" || !s2.fields[f] {
							continue
						}
						ks := winKeys(s2, p.field, id)
						if first == nil {
							first = ks
						}
						for _, k := range ks {
							if k.Provider != "" && EventTitle(k.Provider, id) != "" {
								known = appendKey(known, k)
							}
						}
					}
					if len(known) == 0 {
						known = first
					}
					for _, k := range known {
						add(k)
					}
					done = true
					break
				}
				if name, ok := d.names[s.Space][folded]; ok && m == "" {
					folded = name // a display name: the action it names
				}
				if s.Shape == "azure_operation" {
					if !azureOpRE.MatchString(folded) && (m == "" || !azurePart(folded)) {
						continue
					}
				}
				value := folded
				if s.Space == "entra" && m == "" {
					// Entra activity names come with a final period in
					// some feeds ("Update application.").
					value = strings.TrimSuffix(value, ".")
				}
				k := ActionKey{Space: s.Space, Value: value, Match: m, Field: p.field, Text: v, Provider: s.spaceProvider}
				if s.Space == "azure" && azureOpRE.MatchString(folded) {
					k.Match = "" // a whole operation is the operation, however it is matched
				}
				add(k)
				done = true
				break
			}
			if !done && azureOpRE.MatchString(folded) {
				add(ActionKey{Space: "azure", Value: folded, Field: p.field, Text: v, Provider: d.spaces["azure"].Provider})
			}
		}
	}
	return keys
}

// title returns the display name of an action of a space, "" when the
// table has none.
func (d *actionData) title(space, value string) string { return d.titles[space+":"+Fold(value)] }

func appendUnique(ss []string, s string) []string {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return ss
		}
	}
	return append(ss, s)
}

// provider returns the canonical name of a Windows event provider.
func (d *actionData) provider(p string) string {
	if c, ok := d.aliases[Fold(p)]; ok {
		return c
	}
	return p
}

// eventID returns a Windows event id in canonical form (digits, no leading
// zeros), or "" when v is none.
func eventID(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 10 {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return ""
		}
	}
	v = strings.TrimLeft(v, "0")
	if v == "" {
		v = "0"
	}
	return v
}

// isBroad tells whether k is too common to link rules, or lacks what it
// needs to be compared (a Windows event of no known provider or channel).
func (d *actionData) isBroad(k ActionKey) bool {
	if k.Space == "windows" && strings.HasPrefix(k.Value, ":") {
		return true
	}
	if d.broad[k.Space+":"+k.Value] {
		return true
	}
	return !k.Partial() && BroadEvent(k.Label())
}

// PartialMatches tells whether the partial key value p (matched as match:
// startswith, endswith, contains, or has, a whole term) matches the full key
// value full; both are folded. It is the matching of MatchAction, and of the
// store's action lookup.
func PartialMatches(full, p, match string) bool {
	switch match {
	case "startswith":
		return strings.HasPrefix(full, p)
	case "endswith":
		return strings.HasSuffix(full, p)
	case "contains":
		return strings.Contains(full, p)
	case "has":
		for from := 0; p != "" && from <= len(full)-len(p); {
			i := strings.Index(full[from:], p)
			if i < 0 {
				return false
			}
			i += from
			end := i + len(p)
			if (i == 0 || !isAlnum(full[i-1]) || !isAlnum(p[0])) && (end == len(full) || !isAlnum(full[end]) || !isAlnum(p[len(p)-1])) {
				return true
			}
			from = i + 1
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

// tokens splits a folded value into its alphanumeric terms.
func tokens(v string) []string {
	return strings.FieldsFunc(v, func(c rune) bool { return c < 0x80 && !isAlnum(byte(c)) })
}

// completeTokens returns the terms of a partial value that are whole terms
// of any value it matches: a contains value may cut its first and last term,
// startswith its last, endswith its first.
func completeTokens(p, match string) []string {
	ts := tokens(p)
	if len(ts) == 0 {
		return nil
	}
	cutFirst := (match == "contains" || match == "endswith") && isAlnum(p[0])
	cutLast := (match == "contains" || match == "startswith") && isAlnum(p[len(p)-1])
	if cutFirst {
		ts = ts[1:]
	}
	if cutLast && len(ts) > 0 {
		ts = ts[:len(ts)-1]
	}
	return ts
}

// maxPartialSpread is how many actions of the catalog a partial value
// (has, contains, startswith, endswith) may complete to and still link
// rules as detecting the same action.
const maxPartialSpread = 4

// SameAction fills, for every rule, Events (FillEvents, and the events of
// the actions it inherits or completes from other rules), Actions (the
// labels of its action keys) and SameAction: the other rules that share an
// action with it, each with the shared actions (a full action where one
// side matched it by a part) in the order of the rule's keys (its actions
// as it names them, then its events), most shared first. Rules that share
// no key are not linked; broad actions (data/actions.yaml) link none. It
// replaces what an earlier run filled.
func SameAction(rules []*rule.Rule) {
	keys := make([][]ActionKey, len(rules))
	for i, r := range rules {
		keys[i] = ActionKeys(r)
		fillEvents(r, keys[i]) // the events an earlier run inferred go
	}
	al := linkActions(rules, keys)
	s, rank := al.newScratch(len(rules)), idRanks(rules)
	for i, r := range rules {
		r.SameAction = al.refs(rules, al.linksOf(rank, i, s))
	}
}

// SameActionLink is one link of a rule to another that shares an action
// with it (rule.Rule.SameAction's entry): the other rule, by its place in
// the rules cross-referenced, and the labels of the actions they share.
type SameActionLink struct {
	Other   int32
	Actions []string
}

// linkActions is SameAction but for the lists, given every rule's action
// keys (which it extends with those correlations inherit and the rules'
// other events): it fills every rule's Events and Actions and returns
// what links the rules (actionLinks.linksOf makes each rule's list).
//
// The links are those of the rules' events: every event of a rule with a
// provider is one of its keys (events of a log source category, a table,
// field values, the event standing for the same event on every platform),
// and every full key of a rule is one of its events (a part it matched, a
// key a correlation inherits), so that the rules an event's page lists
// (the rules with that event) are the rules linked under its name.
func linkActions(rules []*rule.Rule, keys [][]ActionKey) *actionLinks {
	d := actionTable()
	for i, r := range rules {
		keys[i] = withEventKeys(r, keys[i])
	}
	inheritCorrelated(rules, keys)
	ix := indexKeys(keys)
	// A rule that matches part of an action looks at the actions it
	// completes to (when they are few): they are its events and keys.
	for i := range rules {
		var have keySet
		for _, k := range keys[i] {
			if !k.Partial() || d.isBroad(k) || ix.generic[k.id()] {
				continue
			}
			for _, j := range ix.resolved[k.id()] {
				if have == nil {
					have = newKeySet(keys[i])
				}
				keys[i] = have.add(keys[i], ix.fulls[j].key)
			}
		}
	}
	for i, r := range rules {
		for _, k := range keys[i] {
			if k.Provider != "" {
				e := k.event()
				e.Inferred = true
				r.Events = addEvent(r.Events, e)
			}
		}
		r.Events = withClassEvents(r.Events)
		keys[i] = withEventKeys(r, keys[i])
	}
	ix = indexKeys(keys)
	for i, r := range rules {
		r.Actions = r.Actions[:0]
		for _, k := range keys[i] {
			r.Actions = appendUnique(r.Actions, k.Label())
		}
	}
	al := &actionLinks{ix: ix, keys: keys, ids: make([][]string, len(rules)), labels: make([][]string, len(rules))}
	for i, ks := range keys {
		al.ids[i] = make([]string, len(ks))
		al.labels[i] = make([]string, len(ks))
		for n, k := range ks {
			al.ids[i][n], al.labels[i][n] = k.id(), k.Label()
		}
	}
	return al
}

// actionLinks is what links the rules that share an action: every rule's
// keys (with their ids and labels) and their index.
type actionLinks struct {
	ix          *keyIndex
	keys        [][]ActionKey
	ids, labels [][]string
}

// labelIn returns the label of rule o's key of id id.
func (al *actionLinks) labelIn(o int32, id string) string {
	for n, x := range al.ids[o] {
		if x == id {
			return al.labels[o][n]
		}
	}
	return ""
}

// linkScratch is what making one rule's links needs, kept from rule to
// rule of one worker (newScratch).
type linkScratch struct {
	slot       []int32 // 1 + index in touched of a linked rule, 0 when not linked
	touched    []int32
	linkLabels [][]string
	order      []int32
	out        []SameActionLink
}

func (al *actionLinks) newScratch(n int) *linkScratch { return &linkScratch{slot: make([]int32, n)} }

// linksOf returns rule i's same-action links, in s's memory (their
// Actions are the caller's to keep): the other rules that share an action
// with it, each with the shared actions (a full action where one side
// matched it by a part) in the order of the rule's keys, most shared
// first, then by id.
func (al *actionLinks) linksOf(rank []int32, i int, s *linkScratch) []SameActionLink {
	d := actionTable()
	ix := al.ix
	fulls, fullIdx, partialRules, resolved, fullPartials, generic := ix.fulls, ix.fullIdx, ix.partialRules, ix.resolved, ix.fullPartials, ix.generic
	s.touched, s.linkLabels = s.touched[:0], s.linkLabels[:0]
	single := map[string][]string{}
	link := func(o int32, label string) {
		if int(o) == i {
			return
		}
		if at := s.slot[o]; at != 0 {
			ls := s.linkLabels[at-1]
			for _, l := range ls {
				if strings.EqualFold(l, label) { // case variants of one event are one
					return
				}
			}
			s.linkLabels[at-1] = append(ls, label)
			return
		}
		one, ok := single[label]
		if !ok {
			one = []string{label}
			single[label] = one
		}
		s.touched = append(s.touched, o)
		s.linkLabels = append(s.linkLabels, one[:1:1]) // shared until a second label is appended
		s.slot[o] = int32(len(s.touched))
	}
	for n, k := range al.keys[i] {
		if d.isBroad(k) {
			continue
		}
		id, label := al.ids[i][n], al.labels[i][n]
		if k.Partial() {
			if generic[id] {
				continue
			}
			for _, o := range partialRules[id] {
				link(o, label)
			}
			for _, j := range resolved[id] {
				fid := fulls[j].key.id()
				for _, o := range fulls[j].rules {
					link(o, al.labelIn(o, fid))
				}
			}
			continue
		}
		j := fullIdx[id]
		for _, o := range fulls[j].rules {
			link(o, label)
		}
		for _, pid := range fullPartials[j] {
			if generic[pid] {
				continue
			}
			for _, o := range partialRules[pid] {
				link(o, label)
			}
		}
	}
	s.order = s.order[:0]
	for n := range s.touched {
		s.order = append(s.order, int32(n))
	}
	slices.SortFunc(s.order, func(a, b int32) int {
		if la, lb := len(s.linkLabels[a]), len(s.linkLabels[b]); la != lb {
			return lb - la
		}
		return int(rank[s.touched[a]] - rank[s.touched[b]])
	})
	s.out = s.out[:0]
	for _, at := range s.order {
		s.out = append(s.out, SameActionLink{Other: s.touched[at], Actions: s.linkLabels[at]})
	}
	for _, o := range s.touched {
		s.slot[o] = 0
	}
	return s.out
}

// refs returns links as a rule's SameAction.
func (al *actionLinks) refs(rules []*rule.Rule, links []SameActionLink) []rule.RuleRef {
	refs := make([]rule.RuleRef, len(links))
	for n, l := range links {
		refs[n] = ref(rules[l.Other])
		refs[n].Actions = l.Actions
	}
	return refs
}

type fullEntry struct {
	key   ActionKey
	rules []int32
}

// keyIndex indexes every rule's keys: the rules of each full key and each
// partial key, and the full keys each partial one matches.
type keyIndex struct {
	fulls        []fullEntry
	fullIdx      map[string]int     // id → index in fulls
	partialRules map[string][]int32 // partial id → rules
	resolved     map[string][]int32 // partial id → full keys it matches
	fullPartials [][]string         // full key → partial ids that match it
	generic      map[string]bool    // partial ids that match too many actions to link
}

func indexKeys(keys [][]ActionKey) *keyIndex {
	d := actionTable()
	ix := &keyIndex{fullIdx: map[string]int{}, partialRules: map[string][]int32{}, resolved: map[string][]int32{}, generic: map[string]bool{}}
	partialKey := map[string]ActionKey{}
	for i, ks := range keys {
		for _, k := range ks {
			if d.isBroad(k) {
				continue
			}
			id := k.id()
			if k.Partial() {
				l := ix.partialRules[id]
				if n := len(l); n == 0 || l[n-1] != int32(i) {
					ix.partialRules[id] = append(l, int32(i))
				}
				if _, ok := partialKey[id]; !ok {
					partialKey[id] = k
				}
				continue
			}
			j, ok := ix.fullIdx[id]
			if !ok {
				j = len(ix.fulls)
				ix.fullIdx[id] = j
				ix.fulls = append(ix.fulls, fullEntry{key: k})
			}
			if l := ix.fulls[j].rules; len(l) == 0 || l[len(l)-1] != int32(i) {
				ix.fulls[j].rules = append(l, int32(i))
			}
		}
	}
	// Token index of the full keys, by space.
	byToken := map[string][]int32{}
	bySpace := map[string][]int32{}
	for j, f := range ix.fulls {
		bySpace[f.key.Space] = append(bySpace[f.key.Space], int32(j))
		seenTok := map[string]bool{}
		for _, t := range tokens(f.key.Value) {
			if !seenTok[t] {
				seenTok[t] = true
				byToken[f.key.Space+"\x00"+t] = append(byToken[f.key.Space+"\x00"+t], int32(j))
			}
		}
	}
	// Resolve every partial key to the full keys it matches.
	ix.fullPartials = make([][]string, len(ix.fulls))
	for id, k := range partialKey {
		cands := bySpace[k.Space]
		for _, t := range completeTokens(k.Value, k.Match) {
			if l := byToken[k.Space+"\x00"+t]; len(l) < len(cands) {
				cands = l
			}
		}
		for _, j := range cands {
			if PartialMatches(ix.fulls[j].key.Value, k.Value, k.Match) {
				ix.resolved[id] = append(ix.resolved[id], j)
				ix.fullPartials[j] = append(ix.fullPartials[j], id)
			}
		}
	}
	// A part that completes to many actions ("/WRITE", "/DELETE") says the
	// rule looks at one of them, not which: it is no evidence of the same
	// action, and links nothing.
	for id := range partialKey {
		if len(ix.resolved[id]) > maxPartialSpread {
			ix.generic[id] = true
		}
	}
	return ix
}

// keySet is the ids of a rule's keys, to append keys to them each id once
// (appendKey compares a key with every key, making each one's id: a rule
// with many events made its ids its keys' count squared times).
type keySet map[string]bool

// newKeySet returns the ids of ks.
func newKeySet(ks []ActionKey) keySet {
	s := make(keySet, len(ks))
	for _, k := range ks {
		s[k.id()] = true
	}
	return s
}

// add appends k to ks unless a key of its id is there (in s, which ks's
// ids must be), as appendKey does.
func (s keySet) add(ks []ActionKey, k ActionKey) []ActionKey {
	id := k.id()
	if s[id] {
		return ks
	}
	s[id] = true
	return append(ks, k)
}

// appendKey appends k to ks unless a key of its id is there.
func appendKey(ks []ActionKey, k ActionKey) []ActionKey {
	id := k.id()
	for _, x := range ks {
		if x.id() == id {
			return ks
		}
	}
	return append(ks, k)
}

// withEventKeys appends to keys a key for each event of r (with a
// provider) that none of them names.
func withEventKeys(r *rule.Rule, keys []ActionKey) []ActionKey {
	var have keySet
	for _, e := range r.Events {
		n := EventName(e.Provider, e.Event)
		if n == "" {
			continue
		}
		if have == nil {
			have = newKeySet(keys)
		}
		keys = have.add(keys, ActionKey{Space: "event", Value: Fold(n), Text: e.Event, Provider: e.Provider, Channel: e.Channel})
	}
	return keys
}

// inheritCorrelated gives a correlation rule (Kind correlation) the action
// keys of the rules it correlates (Related of type correlation, by UID or
// name, as LinkSigma leaves them), two levels deep: a correlation of failed
// logons detects the failed-logon action too.
func inheritCorrelated(rules []*rule.Rule, keys [][]ActionKey) {
	byRef := map[string]int{}
	for i, r := range rules {
		if r.UID != "" {
			byRef[r.Platform+"\x00"+Fold(r.UID)] = i
		}
		if r.Name != "" {
			if _, dup := byRef[r.Platform+"\x00"+Fold(r.Name)]; !dup {
				byRef[r.Platform+"\x00"+Fold(r.Name)] = i
			}
		}
	}
	for pass := 0; pass < 2; pass++ {
		for i, r := range rules {
			if r.Kind != rule.KindCorrelation {
				continue
			}
			for _, rel := range r.Related {
				if rel.Type != "correlation" {
					continue
				}
				j, ok := byRef[r.Platform+"\x00"+Fold(rel.ID)]
				if !ok || j == i {
					continue
				}
				have := newKeySet(keys[i])
				for _, k := range keys[j] {
					keys[i] = have.add(keys[i], k)
				}
			}
		}
	}
}

// LinkActions fills the events (FillEvents) and the actions and same-action
// links (SameAction) of every rule: the part of the cross-reference that
// this file and events.go own.
func LinkActions(rules []*rule.Rule) {
	for _, r := range rules {
		FillEvents(r)
	}
	SameAction(rules)
}

// MatchAction answers "which rules look at this action, in any language?":
// the rules that have the action named by value (an Azure operation, a
// CloudTrail event name, a Windows event id or "provider id", ...), compared
// case-insensitively, as a full key of any space or through a partial key
// that matches it (has, contains, startswith, endswith). Each reference
// lists the rule's matching actions.
func MatchAction(rules []*rule.Rule, value string) []rule.RuleRef {
	v := Fold(strings.TrimSpace(value))
	if v == "" {
		return []rule.RuleRef{}
	}
	// A Windows event: "4688", or "Microsoft-Windows-Security-Auditing 4688"
	// (or its event name, "Microsoft-Windows-Security-Auditing: 4688").
	winProvider, winID := "", eventID(v)
	if i := strings.LastIndexByte(v, ' '); winID == "" && i > 0 {
		if id := eventID(v[i+1:]); id != "" {
			winProvider, winID = Fold(actionTable().provider(strings.TrimSuffix(strings.TrimSpace(v[:i]), ":"))), id
		}
	}
	out := []rule.RuleRef{}
	for _, r := range rules {
		var labels []string
		for _, k := range ActionKeys(r) {
			hit := false
			switch {
			case k.Space == "windows":
				if winID != "" && strings.HasSuffix(k.Value, ":"+winID) {
					hit = winProvider == "" || strings.HasPrefix(k.Value, winProvider+":")
				}
			case k.Partial():
				hit = PartialMatches(v, k.Value, k.Match)
			default:
				hit = k.Value == v || (k.Space == "entra" && k.Value == strings.TrimSuffix(v, "."))
			}
			if hit {
				labels = appendUnique(labels, k.Label())
			}
		}
		if len(labels) > 0 {
			ref := ref(r)
			ref.Actions = labels
			out = append(out, ref)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
