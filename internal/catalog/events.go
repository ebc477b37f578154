package catalog

import (
	_ "embed"
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

type eventsData struct {
	Windows []struct {
		Provider string         `yaml:"provider"`
		Channel  string         `yaml:"channel"`
		Events   map[int]string `yaml:"events"`
	} `yaml:"windows"`
	SigmaCategories map[string][]string `yaml:"sigma_categories"`

	byProvider map[string]eventInfo // folded provider:id
	byChannel  map[string][]string  // folded channel:id → providers
	categories map[string][]rule.Event
}

var (
	eventsOnce sync.Once
	eventsTab  *eventsData
)

func eventTable() *eventsData {
	eventsOnce.Do(func() {
		d := &eventsData{}
		if err := yaml.Unmarshal(eventsYAML, d); err != nil {
			panic("catalog: data/events.yaml: " + err.Error())
		}
		d.byProvider = map[string]eventInfo{}
		d.byChannel = map[string][]string{}
		for _, p := range d.Windows {
			for id, title := range p.Events {
				ids := strconv.Itoa(id)
				d.byProvider[Fold(p.Provider)+":"+ids] = eventInfo{p.Provider, p.Channel, title}
				k := Fold(p.Channel) + ":" + ids
				d.byChannel[k] = appendUnique(d.byChannel[k], p.Provider)
			}
		}
		d.categories = map[string][]rule.Event{}
		for cat, evs := range d.SigmaCategories {
			for _, e := range evs {
				i := strings.LastIndexByte(e, ' ')
				if i < 0 {
					panic("catalog: data/events.yaml: sigma category " + cat + ": " + e + " is not 'provider id'")
				}
				pr, id := e[:i], e[i+1:]
				info := d.byProvider[Fold(pr)+":"+id]
				if info.Title == "" {
					panic("catalog: data/events.yaml: sigma category " + cat + ": no title for " + e)
				}
				d.categories[cat] = append(d.categories[cat], rule.Event{Provider: info.Provider, Event: id, Title: info.Title, Channel: info.Channel})
			}
		}
		eventsTab = d
	})
	return eventsTab
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

// eventChannel returns the channel of a provider's event, or "".
func eventChannel(provider, id string) string {
	return eventTable().byProvider[Fold(provider)+":"+id].Channel
}

// Events returns the events r looks at: one per action key (provider, event
// id or name, title for known Windows events, channel), then for a Sigma
// Windows rule the events of its category, each once.
func Events(r *rule.Rule) []rule.Event {
	if r == nil {
		return nil
	}
	return eventsOf(r, ActionKeys(r))
}

// eventsOf is Events, given r's action keys.
func eventsOf(r *rule.Rule, keys []ActionKey) []rule.Event {
	var out []rule.Event
	seen := map[string]bool{}
	add := func(e rule.Event) {
		k := Fold(e.Provider) + "\x00" + Fold(e.Event)
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	for _, k := range keys {
		if k.Space == "windows" {
			e := rule.Event{Provider: k.Provider, Event: k.Text, Channel: k.Channel}
			if k.Provider != "" {
				e.Title = EventTitle(k.Provider, k.Text)
			}
			add(e)
			continue
		}
		e := rule.Event{Provider: k.Provider, Event: globOf(k.Text, k.Match)}
		if k.Match == "" {
			e.Title = actionTable().title(k.Space, k.Value)
		}
		add(e)
	}
	d := eventTable()
	for _, t := range r.Tables {
		parts := strings.SplitN(Fold(t), "/", 3)
		if len(parts) == 3 && parts[0] == "windows" {
			for _, e := range d.categories[parts[2]] {
				add(e)
			}
		}
	}
	return out
}

// FillEvents sets r.Events to the events the lowering found followed by
// those of Events(r) it lacks, so that it can run again on the same rule.
func FillEvents(r *rule.Rule) { fillEvents(r, ActionKeys(r)) }

// fillEvents is FillEvents, given r's action keys.
func fillEvents(r *rule.Rule, keys []ActionKey) {
	evs := eventsOf(r, keys)
	have := map[string]bool{}
	for _, e := range r.Events {
		have[Fold(e.Provider)+"\x00"+Fold(e.Event)] = true
	}
	for _, e := range evs {
		if !have[Fold(e.Provider)+"\x00"+Fold(e.Event)] {
			r.Events = append(r.Events, e)
		}
	}
}
