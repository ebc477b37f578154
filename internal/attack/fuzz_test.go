package attack

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// FuzzReaders feeds arbitrary bytes to the table readers (a user's
// --attack file): they return a table or an error, never panic, and a table
// they return writes and reads back the same.
func FuzzReaders(f *testing.F) {
	var buf bytes.Buffer
	NewTable("s", "1", []Tactic{{ID: "TA0002", Shortname: "execution", Name: "Execution"}},
		[]Technique{{ID: "T1059", Name: "x", Tactics: []string{"execution"}}, {ID: "T1086", Revoked: true, RevokedBy: "T1059"}}).WriteJSON(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"x-mitre-matrix","external_references":[{"source_name":"mitre-attack","external_id":"enterprise-attack"}],"tactic_refs":["x-mitre-tactic--1"]},` +
		`{"type":"x-mitre-tactic","id":"x-mitre-tactic--1","name":"Execution","x_mitre_shortname":"execution","external_references":[{"source_name":"mitre-attack","external_id":"TA0002"}]},` +
		`{"type":"attack-pattern","id":"attack-pattern--1","name":"X","external_references":[{"source_name":"mitre-attack","external_id":"T1059"}],"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"execution"}]},` +
		`{"type":"relationship","relationship_type":"revoked-by","source_ref":"attack-pattern--1","target_ref":"attack-pattern--1"}]}`))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, read := range []func() (*Table, error){
			func() (*Table, error) { return Parse(bytes.NewReader(data)) },
			func() (*Table, error) { return ImportSTIX(bytes.NewReader(data)) },
		} {
			tb, err := read()
			if err != nil {
				continue
			}
			var out bytes.Buffer
			if err := tb.WriteJSON(&out); err != nil {
				t.Fatal(err)
			}
			back, err := Parse(&out)
			if err != nil {
				if strings.Contains(err.Error(), "no tactics or no techniques") {
					continue
				}
				t.Fatalf("written table does not read back: %v", err)
			}
			if len(back.Techniques()) != len(tb.Techniques()) {
				t.Fatalf("round trip: %d techniques, then %d", len(tb.Techniques()), len(back.Techniques()))
			}
			// Resolving against any table never panics, revoked cycles included.
			r := &rule.Rule{Tactics: []string{"execution", "x"}, Techniques: []rule.Technique{{ID: "T1059"}, {ID: "T1086"}, {ID: "t1"}}}
			tb.ResolveRule(r)
			tb.Platforms()
			tb.Subtechniques("T1059")
		}
	})
}
