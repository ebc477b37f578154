package catalog_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/rule"
)

// TestCorpusEventPages checks, over the whole corpus cross-referenced,
// that an event is a provider with its own ids (no Windows event pairs a
// provider data/events.yaml knows with an id that provider does not
// write), that every event that links rules links exactly the rules that
// have it (the rules of its page), and that a rule reading an event through
// one platform's telemetry is found from the others' (the class event).
func TestCorpusEventPages(t *testing.T) {
	rules := readCorpus(t)
	catalog.CrossReference(rules)
	page := map[string]map[string]bool{} // folded event name → rule ids
	spelling := map[string]string{}
	for _, r := range rules {
		for _, e := range r.Events {
			n := catalog.EventName(e.Provider, e.Event)
			if n == "" {
				continue
			}
			k := strings.ToLower(n)
			if page[k] == nil {
				page[k], spelling[k] = map[string]bool{}, n
			}
			page[k][r.ID] = true
		}
	}
	byID := map[string]*rule.Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	// Pairs of a known provider and an id it does not have.
	var wrong []string
	for k, n := range spelling {
		p, id, _ := catalog.SplitEventName(n)
		if !isDigits(id) || !catalog.KnownEventProvider(p) {
			continue
		}
		if catalog.EventTitle(p, id) == "" {
			var ids []string
			for id := range page[k] {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			wrong = append(wrong, n+" ("+strings.Join(ids, ", ")+")")
		}
	}
	sort.Strings(wrong)
	if len(wrong) > 0 {
		t.Errorf("%d events pair a provider with an id it does not write:\n%s", len(wrong), strings.Join(wrong, "\n"))
	}
	// Every event page's rules are the rules same action links for it.
	linking, mismatched := 0, 0
	for k, ids := range page {
		n := spelling[k]
		links := 0
		for id := range ids {
			got := map[string]bool{id: true}
			for _, ref := range byID[id].SameAction {
				for _, a := range ref.Actions {
					if strings.EqualFold(a, n) {
						got[ref.ID] = true
						links++
					}
				}
			}
			if links > 0 && !sameSet(got, ids) {
				mismatched++
				if mismatched <= 10 {
					t.Errorf("event %s: its page lists %d rules, same action links %s with %d under its name", n, len(ids), id, len(got)-1)
				}
				break
			}
		}
		if links > 0 {
			linking++
			if catalog.BroadEvent(n) {
				t.Errorf("broad event %s links rules", n)
			}
			continue
		}
		// An event that links nothing is broad, a part of many actions, or
		// the event of one rule.
		if len(ids) > 1 && !catalog.BroadEvent(n) && !strings.Contains(n, "*") {
			t.Errorf("event %s of %d rules links none of them", n, len(ids))
		}
	}
	t.Logf("%d events with a page, %d link rules as the same action", len(page), linking)
	// The same event through several platforms' telemetry: every rule of
	// each member is on the class's page.
	for _, member := range []string{"Microsoft-Windows-Sysmon: 1", "Microsoft-Windows-Security-Auditing: 4688",
		"Microsoft Defender XDR: DeviceProcessEvents", "Elastic ECS: process start", "Splunk CIM: Endpoint.Processes", "Google SecOps UDM: PROCESS_LAUNCH"} {
		class, _, ok := catalog.SameEvents(member)
		if !ok {
			t.Fatalf("%s is in no class of same events", member)
		}
		cp := page[strings.ToLower(catalog.EventName(class.Provider, class.Event))]
		mp := page[strings.ToLower(member)]
		if len(mp) == 0 {
			t.Errorf("no rule of the corpus reads %s", member)
		}
		for id := range mp {
			if !cp[id] {
				t.Errorf("%s reads %s but is not on the page of %s", id, member, class.Event)
				break
			}
		}
		t.Logf("%s: %d rules; %s: %d", member, len(mp), class.Event, len(cp))
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

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
