package web

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestHostileLinkPages: the pages of a rule's lists of links (/links/LIST/ID/)
// show the linked rules' titles, paths and shared values as inert text.
func TestHostileLinkPages(t *testing.T) {
	h := hostileScript + hostileImg + hostileJS
	rs := make([]*rule.Rule, 2)
	for i := range rs {
		r := hostileRule()
		r.ID = []string{"kusto/Hostile", "kusto/HostileTwin"}[i]
		r.SameAction, r.NearDuplicates = nil, nil
		rs[i] = r
	}
	for i, r := range rs {
		o := rs[1-i]
		r.SameAction = []rule.RuleRef{{ID: o.ID, Actions: []string{h}}}
		r.NearDuplicates = []rule.RuleRef{{ID: o.ID}}
		r.SameBehaviour = []rule.BehaviourRef{{ID: o.ID, Score: 90, Shared: []string{h}}}
	}
	s, err := New(catalogOf(t, rs))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range linkLists {
		p := LinksPath(l.name, rs[0].ID)
		w := get(t, s, p)
		if w.Code != 200 {
			t.Errorf("%s: status %d", p, w.Code)
			continue
		}
		body := w.Body.String()
		checkInert(t, p, body)
		// The linked rule is shown (its title escaped), so that the check
		// above saw its text.
		if !strings.Contains(body, `href="`+RulePath(rs[1].ID)+`"`) || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the linked rule %s", p, rs[1].ID)
		}
	}
}
