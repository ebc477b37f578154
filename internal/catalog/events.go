package catalog

import (
	_ "embed"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/ruledex/ruledex/internal/rule"
)

// The events a rule looks at: its action keys (see ActionKeys) as events of
// their provider, Windows events with the title data/events.yaml gives
// them, and, for Sigma Windows rules by category (process_creation,
// registry_set, ps_script...), the events the category stands for.

//go:embed data/events.yaml
var eventsYAML []byte

type eventInfo struct {
	Provider, Channel, Title string
}

// eventSpec is one event of the data: its provider, its name and a title.
type eventSpec struct {
	Provider string `yaml:"provider"`
	Event    string `yaml:"event"`
	Title    string `yaml:"title"`
}

type eventsData struct {
	Windows []struct {
		Provider string         `yaml:"provider"`
		Channel  string         `yaml:"channel"`
		Events   map[int]string `yaml:"events"`
	} `yaml:"windows"`
	SigmaCategories map[string][]string `yaml:"sigma_categories"`
	// Titles of the well-known events of providers that name their events
	// (cloud operations, UDM event types...): provider → event → title.
	Titles map[string]map[string]string `yaml:"titles"`
	// Events a rule reads by reading a table that holds one kind of event.
	TableEvents []struct {
		eventSpec `yaml:",inline"`
		Tables    []string `yaml:"tables"`
	} `yaml:"table_events"`
	// Events a rule names by the values of several fields at once (a
	// positive equality on each field, with one of its values).
	FieldEvents []struct {
		eventSpec `yaml:",inline"`
		Fields    map[string][]string `yaml:"fields"`
	} `yaml:"field_events"`
	// The same event seen through several platforms' telemetry.
	SameEvents []struct {
		Title  string   `yaml:"title"`
		Broad  bool     `yaml:"broad"`
		Events []string `yaml:"events"`
	} `yaml:"same_events"`
	// Events so common that sharing them links no rules (as "provider: event").
	Broad []string `yaml:"broad"`

	byProvider map[string]eventInfo // folded provider:id
	byChannel  map[string][]string  // folded channel:id → providers
	byID       map[string][]string  // id → providers
	categories map[string][]rule.Event
	titles     map[string]string       // folded event name → title
	tables     map[string][]rule.Event // folded table → events
	tableGlobs []struct {
		pattern string
		event   rule.Event
	}
	classOf map[string]rule.Event // folded event name → the event standing for its class
	members map[string][]string   // folded class event name → its events' names
	broad   map[string]bool       // folded event name
}

// EventsAcross is the provider of the events that stand for one event seen
// through several platforms' telemetry (data/events.yaml same_events).
const EventsAcross = "Any platform"

var (
	eventsOnce sync.Once
	eventsTab  *eventsData
)

func eventTable() *eventsData {
	eventsOnce.Do(func() {
		d, err := parseEvents(eventsYAML)
		if err != nil {
			panic("catalog: data/events.yaml: " + err.Error())
		}
		eventsTab = d
	})
	return eventsTab
}

func parseEvents(data []byte) (*eventsData, error) {
	d := &eventsData{}
	if err := yaml.Unmarshal(data, d); err != nil {
		return nil, err
	}
	d.byProvider = map[string]eventInfo{}
	d.byChannel = map[string][]string{}
	d.byID = map[string][]string{}
	d.titles = map[string]string{}
	for _, p := range d.Windows {
		for id, title := range p.Events {
			ids := strconv.Itoa(id)
			d.byProvider[Fold(p.Provider)+":"+ids] = eventInfo{p.Provider, p.Channel, title}
			k := Fold(p.Channel) + ":" + ids
			d.byChannel[k] = appendUnique(d.byChannel[k], p.Provider)
			d.byID[ids] = appendUnique(d.byID[ids], p.Provider)
			d.titles[Fold(EventName(p.Provider, ids))] = title
		}
	}
	for p, m := range d.Titles {
		for e, t := range m {
			d.titles[Fold(EventName(p, e))] = t
		}
	}
	d.categories = map[string][]rule.Event{}
	for cat, evs := range d.SigmaCategories {
		for _, e := range evs {
			i := strings.LastIndexByte(e, ' ')
			if i < 0 {
				return nil, fmt.Errorf("sigma category %s: %s is not 'provider id'", cat, e)
			}
			pr, id := e[:i], e[i+1:]
			info := d.byProvider[Fold(pr)+":"+id]
			if info.Title == "" {
				return nil, fmt.Errorf("sigma category %s: no title for %s", cat, e)
			}
			d.categories[cat] = append(d.categories[cat], rule.Event{Provider: info.Provider, Event: id, Title: info.Title, Channel: info.Channel})
		}
	}
	ev := func(s eventSpec) rule.Event {
		if s.Title != "" {
			d.titles[Fold(EventName(s.Provider, s.Event))] = s.Title
		}
		return rule.Event{Provider: s.Provider, Event: s.Event, Title: s.Title}
	}
	d.tables = map[string][]rule.Event{}
	for _, te := range d.TableEvents {
		if te.Provider == "" || te.Event == "" || len(te.Tables) == 0 {
			return nil, fmt.Errorf("table event %q: provider, event and tables are needed", te.Event)
		}
		e := ev(te.eventSpec)
		for _, t := range te.Tables {
			k := Fold(t)
			if strings.Contains(k, "*") {
				if _, err := path.Match(k, ""); err != nil {
					return nil, fmt.Errorf("table event %s: %v", te.Event, err)
				}
				d.tableGlobs = append(d.tableGlobs, struct {
					pattern string
					event   rule.Event
				}{k, e})
				continue
			}
			d.tables[k] = append(d.tables[k], e)
		}
	}
	for _, fe := range d.FieldEvents {
		if fe.Provider == "" || fe.Event == "" || len(fe.Fields) == 0 {
			return nil, fmt.Errorf("field event %q: provider, event and fields are needed", fe.Event)
		}
		ev(fe.eventSpec)
	}
	d.classOf = map[string]rule.Event{}
	d.members = map[string][]string{}
	d.broad = map[string]bool{}
	for _, b := range d.Broad {
		if !strings.Contains(b, ": ") {
			return nil, fmt.Errorf("broad event %q is not 'provider: event'", b)
		}
		d.broad[Fold(b)] = true
	}
	for _, c := range d.SameEvents {
		if c.Title == "" || len(c.Events) < 2 {
			return nil, fmt.Errorf("same event %q: a title and two events or more are needed", c.Title)
		}
		ce := rule.Event{Provider: EventsAcross, Event: c.Title, Title: "The same event through any platform's telemetry"}
		cn := Fold(EventName(ce.Provider, ce.Event))
		if c.Broad {
			d.broad[cn] = true
		}
		for _, m := range c.Events {
			if !strings.Contains(m, ": ") {
				return nil, fmt.Errorf("same event %s: %q is not 'provider: event'", c.Title, m)
			}
			fm := Fold(m)
			if _, dup := d.classOf[fm]; dup {
				return nil, fmt.Errorf("same event %s: %s is in two classes", c.Title, m)
			}
			d.classOf[fm] = ce
			d.members[cn] = append(d.members[cn], m)
			if c.Broad {
				d.broad[fm] = true
			}
		}
	}
	return d, nil
}

// EventName returns an event as one name, "provider: event" (the value of
// the event facet, the label of a same-action link and the name of an
// event's page), or "" for an event of no provider.
func EventName(provider, event string) string {
	if provider == "" || event == "" {
		return ""
	}
	return provider + ": " + event
}

// SplitEventName splits an event name (EventName) into its provider and
// event; ok is false for a string that is none.
func SplitEventName(name string) (provider, event string, ok bool) {
	i := strings.Index(name, ": ")
	if i <= 0 || i+2 >= len(name) {
		return "", "", false
	}
	return name[:i], name[i+2:], true
}

// EventNameTitle returns the title data/events.yaml gives the event of
// that name, or "".
func EventNameTitle(name string) string { return eventTable().titles[Fold(name)] }

// BroadEvent tells whether the event of that name is too common to link
// rules as detecting the same action (data/actions.yaml and
// data/events.yaml broad, and the members of a broad same_events class).
func BroadEvent(name string) bool {
	broadOnce.Do(func() {
		broadNames = map[string]bool{}
		for k := range eventTable().broad {
			broadNames[k] = true
		}
		a := actionTable()
		for k := range a.broad {
			space, value, _ := strings.Cut(k, ":")
			if space == "windows" {
				if p, id, ok := strings.Cut(value, ":"); ok {
					broadNames[p+": "+id] = true
				}
				continue
			}
			if s, ok := a.spaces[space]; ok && s.Provider != "" {
				broadNames[Fold(s.Provider)+": "+value] = true
			}
		}
	})
	return broadNames[Fold(name)]
}

var (
	broadOnce  sync.Once
	broadNames map[string]bool // folded event names
)

// SameEvents returns, for an event, the event that stands for its class
// (provider EventsAcross) and the names of the class's events; for a class
// event, itself and its events; else ok is false.
func SameEvents(name string) (class rule.Event, members []string, ok bool) {
	d := eventTable()
	n := Fold(name)
	if ms, is := d.members[n]; is {
		p, e, _ := SplitEventName(name)
		return rule.Event{Provider: p, Event: e}, ms, true
	}
	c, is := d.classOf[n]
	if !is {
		return rule.Event{}, nil, false
	}
	return c, d.members[Fold(EventName(c.Provider, c.Event))], true
}

// EventTitle returns the title of a Windows event of a provider (any
// spelling data/actions.yaml knows), or "".
func EventTitle(provider, id string) string {
	return eventTable().byProvider[Fold(actionTable().provider(provider))+":"+eventID(id)].Title
}

// eventProvider returns the one provider known for an event id in a
// channel, or "".
func eventProvider(channel, id string) string {
	if ps := eventTable().byChannel[Fold(channel)+":"+id]; len(ps) == 1 {
		return ps[0]
	}
	return ""
}

// onlyProvider returns the one provider data/events.yaml knows for an
// event id, or "", and how many providers it knows for it.
func onlyProvider(id string) (string, int) {
	ps := eventTable().byID[id]
	if len(ps) == 1 {
		return ps[0], 1
	}
	return "", len(ps)
}

// eventChannel returns the channel of a provider's event, or "".
func eventChannel(provider, id string) string {
	return eventTable().byProvider[Fold(provider)+":"+id].Channel
}

// Events returns the events r looks at: one per action key (provider, event
// id or name, title for known events, channel), the events of the Sigma
// Windows log source category it reads, of the tables it reads and of the
// field values it names (data/events.yaml), and for each event that is the
// same event as others through another platform's telemetry, the event
// standing for them all (provider EventsAcross); each once.
func Events(r *rule.Rule) []rule.Event {
	if r == nil {
		return nil
	}
	return eventsOf(r, ActionKeys(r))
}

// event returns the event k names: its provider and the action as the rule
// wrote it (a display name as the action it stands for, an Entra activity
// without its final period, a partial value as a glob).
func (k ActionKey) event() rule.Event { return k.derived().event }

func (k ActionKey) makeEvent() rule.Event {
	if k.Space == "windows" {
		e := rule.Event{Provider: k.Provider, Event: k.Text, Channel: k.Channel}
		if k.Provider != "" {
			e.Title = EventTitle(k.Provider, k.Text)
		}
		return e
	}
	e := rule.Event{Provider: k.Provider, Event: globOf(k.Text, k.Match)}
	if k.Match == "" {
		d := actionTable()
		if a, ok := d.spellings[k.Space+":"+k.Value]; ok && Fold(k.Text) != k.Value {
			e.Event = a // a display name: the action it names
		}
		if k.Space == "entra" {
			e.Event = strings.TrimSuffix(e.Event, ".")
		}
		e.Title = d.title(k.Space, k.Value)
		if e.Title == "" {
			e.Title = EventNameTitle(EventName(e.Provider, e.Event))
		}
	}
	return e
}

// eventsOf is Events, given r's action keys.
func eventsOf(r *rule.Rule, keys []ActionKey) []rule.Event {
	var out []rule.Event
	add := func(e rule.Event) {
		e.Inferred = true
		out = addEvent(out, e)
	}
	for _, k := range keys {
		add(k.event())
	}
	d := eventTable()
	for _, t := range r.Tables {
		ft := Fold(t)
		parts := strings.SplitN(ft, "/", 3)
		if len(parts) == 3 && parts[0] == "windows" {
			for _, e := range d.categories[parts[2]] {
				add(e)
			}
		}
		for _, e := range d.tables[ft] {
			add(e)
		}
		for _, g := range d.tableGlobs {
			if ok, _ := path.Match(g.pattern, ft); ok {
				add(g.event)
			}
		}
	}
	if len(d.FieldEvents) > 0 {
		named := map[string]bool{} // folded field \x00 folded value
		for _, p := range positivePredicates(r) {
			if m, ok := matchOf(p.kind); !ok || m != "" {
				continue
			}
			f := normField(p.field)
			for _, v := range p.values {
				named[f+"\x00"+Fold(strings.TrimSpace(v))] = true
			}
		}
		for _, fe := range d.FieldEvents {
			all := true
			for f, vs := range fe.Fields {
				one := false
				for _, v := range vs {
					if named[normField(f)+"\x00"+Fold(v)] {
						one = true
						break
					}
				}
				if !one {
					all = false
					break
				}
			}
			if all {
				add(rule.Event{Provider: fe.Provider, Event: fe.Event, Title: fe.Title})
			}
		}
	}
	return withClassEvents(out)
}

// addEvent appends e to evs unless an event of the same provider and name
// (compared case-insensitively) is there.
func addEvent(evs []rule.Event, e rule.Event) []rule.Event {
	for _, x := range evs {
		if FoldEqual(x.Provider, e.Provider) && FoldEqual(x.Event, e.Event) {
			return evs
		}
	}
	return append(evs, e)
}

// withClassEvents appends to evs, for each event that data/events.yaml
// says is the same event as others (same_events), the event standing for
// them all (Inferred).
func withClassEvents(evs []rule.Event) []rule.Event {
	d := eventTable()
	for _, e := range evs {
		if c, ok := d.classOf[Fold(EventName(e.Provider, e.Event))]; ok {
			c.Inferred = true
			evs = addEvent(evs, c)
		}
	}
	return evs
}

// FillEvents sets r.Events to the events the lowering found followed by
// those of Events(r) it lacks. The events an earlier run inferred (those
// of the rules r was linked to among them) are taken off first, so that it
// can run again on the same rule, and on a rule read back from a catalog.
func FillEvents(r *rule.Rule) { fillEvents(r, ActionKeys(r)) }

// fillEvents is FillEvents, given r's action keys.
func fillEvents(r *rule.Rule, keys []ActionKey) {
	r.Events = loweredEvents(r.Events)
	for _, e := range eventsOf(r, keys) {
		r.Events = addEvent(r.Events, e)
	}
	r.Events = withClassEvents(r.Events)
}

// loweredEvents returns evs without the events the catalog inferred: the
// events the lowering found. evs is left as it is.
func loweredEvents(evs []rule.Event) []rule.Event {
	n := 0
	for _, e := range evs {
		if !e.Inferred {
			n++
		}
	}
	if n == len(evs) {
		return evs
	}
	out := make([]rule.Event, 0, n)
	for _, e := range evs {
		if !e.Inferred {
			out = append(out, e)
		}
	}
	return out
}

// KnownEventProvider tells whether data/events.yaml lists the Windows
// events of provider p (by id, with titles).
func KnownEventProvider(p string) bool {
	d := eventTable()
	for _, w := range d.Windows {
		if strings.EqualFold(w.Provider, p) {
			return true
		}
	}
	return false
}
