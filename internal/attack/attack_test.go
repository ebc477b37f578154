package attack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

func TestEmbeddedTable(t *testing.T) {
	tb := Default()
	if tb.Version != "18.1" {
		t.Errorf("version = %q, want 18.1", tb.Version)
	}
	tactics := tb.Tactics()
	var short []string
	for _, ta := range tactics {
		short = append(short, ta.Shortname)
	}
	want := []string{"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
		"privilege-escalation", "defense-evasion", "stealth", "defense-impairment", "credential-access", "discovery",
		"lateral-movement", "collection", "command-and-control", "exfiltration", "impact"}
	if !reflect.DeepEqual(short, want) {
		t.Errorf("tactics = %v\nwant %v", short, want)
	}
	// v19's tactics are known by name and shortname; the release's own
	// tactic keeps its id (TA0005 is Defense Evasion in 18.1).
	for in, want := range map[string]string{"stealth": "Stealth", "Defense Impairment": "Defense Impairment", "TA0112": "Defense Impairment",
		"defense_impairment": "Defense Impairment", "TA0005": "Defense Evasion", "Defense Evasion": "Defense Evasion"} {
		if ta, ok := tb.Tactic(in); !ok || ta.Name != want {
			t.Errorf("Tactic(%q) = %+v, want %s", in, ta, want)
		}
	}
	if !tb.Succeeds("stealth", "defense-evasion") || tb.Succeeds("defense-evasion", "stealth") {
		t.Error("Succeeds")
	}
	all := tb.Techniques()
	current := 0
	for _, te := range all {
		if !te.Revoked && !te.Deprecated {
			current++
		}
		if !ValidID(te.ID) {
			t.Errorf("technique id %q is not valid", te.ID)
		}
		for _, ta := range te.Tactics {
			if _, ok := tb.Tactic(ta); !ok {
				t.Errorf("%s: tactic %q is not in the matrix", te.ID, ta)
			}
		}
		if te.Revoked && te.RevokedBy != "" {
			if _, ok := tb.Technique(te.RevokedBy); !ok {
				t.Errorf("%s: revoked by %s, which is not in the table", te.ID, te.RevokedBy)
			}
		}
	}
	if len(all) != 835 || current != 691 {
		t.Errorf("techniques = %d (%d current), want 835 (691 current)", len(all), current)
	}
}

func TestTechniqueLookup(t *testing.T) {
	tb := Default()
	for _, tc := range []struct {
		in, id, name string
		ok           bool
	}{
		{"T1059.001", "T1059.001", "PowerShell", true},
		{"t1059.001", "T1059.001", "PowerShell", true},
		{" T1059/001 ", "T1059.001", "PowerShell", true},
		{"T1059", "T1059", "Command and Scripting Interpreter", true},
		{"T1651", "T1651", "Cloud Administration Command", true},
		{"T1086", "T1086", "PowerShell", true}, // revoked, still in the table
		{"T9999", "", "", false},
		{"", "", "", false},
		{"initial-access", "", "", false},
	} {
		te, ok := tb.Technique(tc.in)
		if ok != tc.ok || te.ID != tc.id || te.Name != tc.name {
			t.Errorf("Technique(%q) = %q %q %v, want %q %q %v", tc.in, te.ID, te.Name, ok, tc.id, tc.name, tc.ok)
		}
	}
}

func TestTacticLookup(t *testing.T) {
	tb := Default()
	for _, in := range []string{"Initial Access", "InitialAccess", "initial-access", "initial_access", "TA0001", "ta0001", " INITIAL ACCESS "} {
		ta, ok := tb.Tactic(in)
		if !ok || ta.Shortname != "initial-access" || ta.ID != "TA0001" || ta.Name != "Initial Access" {
			t.Errorf("Tactic(%q) = %+v %v", in, ta, ok)
		}
	}
	for _, in := range []string{"CommandAndControl", "Command and Control", "command_and_control"} {
		if ta, ok := tb.Tactic(in); !ok || ta.Shortname != "command-and-control" {
			t.Errorf("Tactic(%q) = %+v %v", in, ta, ok)
		}
	}
	for _, in := range []string{"", "PreAttack", "T1059", "ImpairProcessControl"} {
		if ta, ok := tb.Tactic(in); ok {
			t.Errorf("Tactic(%q) = %+v, want none", in, ta)
		}
	}
}

func TestResolve(t *testing.T) {
	tb := Default()
	for _, tc := range []struct {
		name string
		in   rule.Technique
		want rule.Technique
		ok   bool
	}{
		{"plain", rule.Technique{ID: "t1651"},
			rule.Technique{ID: "T1651", Name: "Cloud Administration Command", Tactic: "execution", Tactics: []string{"execution"}}, true},
		{"stated tactic kept and normalised", rule.Technique{ID: "T1078", Tactic: "Privilege Escalation"},
			rule.Technique{ID: "T1078", Name: "Valid Accounts", Tactic: "privilege-escalation",
				Tactics: []string{"defense-evasion", "persistence", "privilege-escalation", "initial-access"}}, true},
		{"revoked becomes its replacement", rule.Technique{ID: "T1086"},
			rule.Technique{ID: "T1059.001", Name: "PowerShell", Tactic: "execution", Tactics: []string{"execution"},
				Revoked: true, RevokedBy: "T1059.001", StatedAs: "T1086"}, true},
		{"unknown", rule.Technique{ID: "T1999.999", Name: "made up", Tactic: "execution"},
			rule.Technique{ID: "T1999.999", Name: "made up", Tactic: "execution", Tactics: []string{}, Unknown: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in
			ok := tb.Resolve(&got)
			if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Resolve(%+v) = %+v %v\nwant %+v %v", tc.in, got, ok, tc.want, tc.ok)
			}
			again := got
			tb.Resolve(&again)
			if !reflect.DeepEqual(again, got) {
				t.Errorf("second Resolve changed %+v into %+v", got, again)
			}
		})
	}
	// Deprecated techniques keep their id.
	for _, te := range tb.Techniques() {
		if te.Deprecated && !te.Revoked {
			rt := rule.Technique{ID: te.ID}
			tb.Resolve(&rt)
			if rt.ID != te.ID || !rt.Deprecated || rt.Revoked || rt.Name != te.Name {
				t.Errorf("deprecated %s resolved to %+v", te.ID, rt)
			}
			break
		}
	}
}

func TestResolveRule(t *testing.T) {
	r := &rule.Rule{
		Source:    rule.Source{Path: "rules/x.yml", Line: 1},
		QueryLine: 1,
		Query:     "title: x PreAttacks\ntags:\n  - attack.t1086\n  - attack.t1999\n  - attack.t1059.001\n  - attack.stealth\n",
		Tactics:   []string{"Initial Access", "InitialAccess", "TA0002", "PreAttack", "stealth"},
		Techniques: []rule.Technique{
			{ID: "T1078"}, // valid accounts: initial-access is among its tactics
			{ID: "T1086"},
			{ID: "T1999"},
			{ID: "bogus"},
			{ID: "T1027"}, // obfuscation: defense-evasion in 18.1, which stealth succeeds
		},
	}
	tb := Default()
	tb.ResolveRule(r)
	if want := []string{"initial-access", "execution", "PreAttack", "stealth"}; !reflect.DeepEqual(r.Tactics, want) {
		t.Errorf("tactics = %v, want %v", r.Tactics, want)
	}
	if te := r.Techniques[0]; te.Tactic != "initial-access" {
		t.Errorf("T1078 tactic = %q, want the stated initial-access", te.Tactic)
	}
	if te := r.Techniques[1]; te.ID != "T1059.001" || te.StatedAs != "T1086" || te.Tactic != "execution" {
		t.Errorf("T1086 = %+v", te)
	}
	if te := r.Techniques[4]; te.Tactic != "stealth" {
		t.Errorf("T1027 tactic = %q, want the stated stealth (v19's successor of its defense-evasion)", te.Tactic)
	}
	if !r.Techniques[2].Unknown || !r.Techniques[3].Unknown {
		t.Errorf("unknown techniques not flagged: %+v", r.Techniques)
	}
	var msgs []string
	for _, d := range r.Diagnostics {
		msgs = append(msgs, d.Severity+" "+itoa(d.Line)+":"+itoa(d.Col)+" "+d.Message)
	}
	want := []string{
		`warning 1:1 unknown ATT&CK tactic "PreAttack" (not in ATT&CK 18.1)`,
		`info 3:12 ATT&CK technique T1086 was revoked and replaced by T1059.001 (PowerShell)`,
		`warning 4:12 unknown ATT&CK technique T1999 (not in ATT&CK 18.1)`,
		`warning 1:1 unknown ATT&CK technique "bogus": not a technique id (T1234 or T1234.001)`,
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	for _, d := range r.Diagnostics {
		if d.Path != "rules/x.yml" {
			t.Errorf("diagnostic path = %q", d.Path)
		}
	}
	before := len(r.Diagnostics)
	snapshot := append([]rule.Technique(nil), r.Techniques...)
	tb.ResolveRule(r)
	if len(r.Diagnostics) != before || !reflect.DeepEqual(snapshot, r.Techniques) {
		t.Errorf("second ResolveRule changed the rule: %d→%d %+v\n%+v", before, len(r.Diagnostics), snapshot, r.Techniques)
	}
	ResolveRule(nil) // no panic
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestWriteJSONRoundTrip(t *testing.T) {
	tb := Default()
	var buf bytes.Buffer
	if err := tb.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Tactics(), tb.Tactics()) || !reflect.DeepEqual(back.Techniques(), tb.Techniques()) ||
		back.Version != tb.Version || back.Source != tb.Source {
		t.Errorf("table changed through WriteJSON and Parse")
	}
	path := filepath.Join(t.TempDir(), "attack.json")
	buf.Reset()
	tb.WriteJSON(&buf)
	os.WriteFile(path, buf.Bytes(), 0o644)
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded.Techniques(), tb.Techniques()) {
		t.Errorf("Load gave another table")
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "{", `{"tactics": []}`, `[1,2]`, `{"techniques": [{"id": 1}]}`} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) gave no error", in)
		}
	}
	for _, in := range []string{"", "{", `{"type": "bundle"}`, `{"type": "indicator", "objects": []}`, `{"type":"bundle","objects":[{"type":"x-mitre-matrix","tactic_refs":["x"]}]}`, `[]`} {
		if _, err := ImportSTIX(strings.NewReader(in)); err == nil {
			t.Errorf("ImportSTIX(%q) gave no error", in)
		}
	}
}

func TestSetDefault(t *testing.T) {
	small := NewTable("test", "0", []Tactic{{ID: "TA0002", Shortname: "execution", Name: "Execution"}},
		[]Technique{{ID: "T1059", Name: "Command and Scripting Interpreter", Tactics: []string{"execution"}}})
	SetDefault(small)
	defer SetDefault(nil)
	if Default() != small {
		t.Fatal("SetDefault did not take")
	}
	r := &rule.Rule{Techniques: []rule.Technique{{ID: "T1651"}}}
	ResolveRule(r)
	if !r.Techniques[0].Unknown {
		t.Errorf("T1651 should be unknown in the small table")
	}
	SetDefault(nil)
	if _, ok := Default().Technique("T1651"); !ok {
		t.Errorf("SetDefault(nil) did not restore the embedded table")
	}
}

func stixPath(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("RULEDEX_ATTACK_STIX")
	if p == "" {
		p = filepath.Join("..", "..", "..", "shared", "attack", "enterprise-attack-18.1.json.gz")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("MITRE's STIX bundle %s is absent (set RULEDEX_ATTACK_STIX): skipping", p)
	}
	return p
}

func TestImportSTIXEqualsEmbedded(t *testing.T) {
	p := stixPath(t)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	imp, err := ImportSTIX(f)
	if err != nil {
		t.Fatal(err)
	}
	emb := Default()
	if !reflect.DeepEqual(imp.Tactics(), emb.Tactics()) {
		t.Errorf("tactics differ:\n%v\n%v", imp.Tactics(), emb.Tactics())
	}
	a, b := imp.Techniques(), emb.Techniques()
	if len(a) != len(b) {
		t.Fatalf("imported %d techniques, embedded %d", len(a), len(b))
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Errorf("technique %d:\nimported %+v\nembedded %+v", i, a[i], b[i])
		}
	}
	// Load takes the gzipped bundle as well.
	l, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l.Techniques(), b) {
		t.Errorf("Load(bundle) differs from the embedded table")
	}
}

func BenchmarkResolveRule(b *testing.B) {
	tb := Default()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := &rule.Rule{Tactics: []string{"Execution", "DefenseEvasion"},
			Techniques: []rule.Technique{{ID: "T1059.001"}, {ID: "t1218"}, {ID: "T1086"}}}
		tb.ResolveRule(r)
	}
}

func BenchmarkImportSTIX(b *testing.B) {
	data, err := os.ReadFile(stixPath(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ImportSTIX(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEmbeddedParse(b *testing.B) {
	b.SetBytes(int64(len(embedded)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Embedded()
	}
}

func TestPlatformsAndSubtechniques(t *testing.T) {
	tb := Default()
	ps := tb.Platforms()
	if len(ps) != 11 || ps[0] != "Windows" {
		t.Errorf("platforms = %v", ps)
	}
	subs := tb.Subtechniques("t1059")
	if len(subs) < 10 || subs[0].ID != "T1059.001" {
		t.Errorf("T1059 sub-techniques = %v", subs)
	}
	for _, s := range subs {
		if Parent(s.ID) != "T1059" {
			t.Errorf("sub-technique %s of T1059", s.ID)
		}
	}
	if len(tb.Subtechniques("T1651")) != 0 {
		t.Errorf("T1651 has no sub-techniques")
	}
}

func TestFullName(t *testing.T) {
	tb := Default()
	for id, want := range map[string]string{"T1021.008": "Remote Services: Direct Cloud VM Connections", "T1651": "Cloud Administration Command", "T0000": ""} {
		if got := tb.FullName(id); got != want {
			t.Errorf("FullName(%s) = %q, want %q", id, got, want)
		}
	}
}

func TestResolveRuleBounded(t *testing.T) {
	var q strings.Builder
	q.WriteString(strings.Repeat("x", 1<<20) + "\n")
	r := &rule.Rule{Source: rule.Source{Path: "big.yml", Line: 1}, QueryLine: 1}
	for i := 0; i < 500; i++ {
		r.Techniques = append(r.Techniques, rule.Technique{ID: fmt.Sprintf("T9%03d", i)})
		fmt.Fprintf(&q, "attack.t9%03d\n", i)
	}
	r.Query = q.String()
	Default().ResolveRule(r)
	n := len(r.Diagnostics)
	if n != maxDiags+1 || r.Diagnostics[n-1].Message != "468 more ATT&CK problems not listed" {
		t.Fatalf("%d diagnostics, last %+v", n, r.Diagnostics[n-1])
	}
	if d := r.Diagnostics[0]; d.Line != 2 || d.Col != 8 {
		t.Errorf("first diagnostic at %d:%d, want 2:8", d.Line, d.Col)
	}
	Default().ResolveRule(r)
	if len(r.Diagnostics) != n {
		t.Errorf("second run: %d diagnostics, want %d", len(r.Diagnostics), n)
	}
}
