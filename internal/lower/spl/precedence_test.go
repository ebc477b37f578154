package lowerspl

import (
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestLocalMacroFirst: an app's local/macros.conf overrides the same
// macro of its default/macros.conf for the app's searches, whichever file
// comes first.
func TestLocalMacroFirst(t *testing.T) {
	macro := func(dir, def string) *rule.Rule {
		return &rule.Rule{Platform: Platform, Language: Name, Format: FormatMacros, Kind: KindMacro, Name: "m", Query: def,
			Source: rule.Source{Repo: "r", Path: "app/" + dir + "/macros.conf"}}
	}
	for _, order := range [][]string{{"default", "local"}, {"local", "default"}} {
		search := &rule.Rule{Platform: Platform, Language: Name, Format: FormatSaved, Kind: "detection", Name: "s",
			Query: "`m` | stats count by host", Source: rule.Source{Repo: "r", Path: "app/default/savedsearches.conf"}}
		defs := map[string]string{"default": "index=from_default", "local": "index=from_local"}
		Link([]*rule.Rule{macro(order[0], defs[order[0]]), macro(order[1], defs[order[1]]), search})
		var text []string
		for _, s := range search.Stages {
			text = append(text, s.Text, s.Source)
		}
		all := strings.Join(append(text, search.Tables...), " ")
		if !strings.Contains(all, "from_local") || strings.Contains(all, "from_default") {
			t.Errorf("%v: the search reads %q, want local's macro", order, all)
		}
	}
}
