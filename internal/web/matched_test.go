package web

import (
	"slices"
	"strings"
	"testing"
)

// TestSearchMatched: each hit of a search says where it matched, in the
// API's JSON and on the search page.
func TestSearchMatched(t *testing.T) {
	s := newTestServer(t)
	for _, path := range []string{"/api/v1/search?q=runCommand", "/api/v1/search?q=runCommand&facet=platform:kusto"} {
		var res Result
		decodeJSON(t, get(t, s, path), &res)
		if res.Total == 0 {
			t.Fatalf("%s: no rule", path)
		}
		for _, h := range res.Hits {
			if h.ID == seedID && !slices.Equal(h.Matched, []string{"query", "indicator", "event", "action"}) {
				t.Errorf("%s: the seed rule matched %v, want query, indicator, event, action", path, h.Matched)
			}
			if len(h.Matched) == 0 {
				t.Errorf("%s: %s says nothing of where it matched", path, h.ID)
			}
		}
	}
	var res Result
	decodeJSON(t, get(t, s, "/api/v1/rules"), &res)
	if len(res.Hits) == 0 || res.Hits[0].Matched == nil || len(res.Hits[0].Matched) != 0 {
		t.Errorf("a listing without text: matched %v, want []", res.Hits[0].Matched)
	}
	body := get(t, s, "/search?q=runCommand").Body.String()
	if !strings.Contains(body, `<p class="note">matched in: query, indicator, event, action</p>`) {
		t.Errorf("the search page does not say where the seed rule matched")
	}
}
