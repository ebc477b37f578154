package loweryaral

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/attack"
	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/testcorpus"
)

var update = flag.Bool("update", false, "rewrite the expected files of testdata/golden (they are written by hand: review the diff)")

// readRules reads a .yaral file as a build does: the yaral_text format,
// the lowering, ATT&CK resolved, the events filled.
func readRules(t testing.TB, path string, data []byte) []*rule.Rule {
	t.Helper()
	ft := lang.FormatByName(FormatName)
	if ft == nil {
		t.Fatal("format " + FormatName + " is not registered")
	}
	f := &lang.File{Repo: "golden", Path: path, Data: data}
	if !ft.Match(f) {
		t.Fatalf("%s is not told to be YARA-L from its content", path)
	}
	items, diags := lang.ReadAs(ft, f)
	for _, d := range diags {
		t.Errorf("%s:%d:%d: %s", path, d.Line, d.Col, d.Message)
	}
	var rules []*rule.Rule
	for _, it := range items {
		lang.Lower(it)
		attack.ResolveRule(it.Rule)
		catalog.FillEvents(it.Rule)
		rules = append(rules, it.Rule)
	}
	return rules
}

// The expected model of a golden case: the parts of the rule that say
// what the construct means, written by hand from Google's reference.
type gPred struct {
	Field         string   `json:"field"`
	Kind          string   `json:"kind"`
	Values        []string `json:"values"`
	CaseSensitive bool     `json:"case_sensitive,omitempty"`
	Negated       bool     `json:"negated,omitempty"`
	All           bool     `json:"all,omitempty"`
}

type gStage struct {
	Kind       string   `json:"kind"`
	Source     string   `json:"source,omitempty"`
	TimeWindow string   `json:"time_window,omitempty"`
	Predicates []gPred  `json:"predicates,omitempty"`
	Stages     []gStage `json:"stages,omitempty"`
}

type gInd struct {
	Field         string   `json:"field"`
	Kind          string   `json:"kind"`
	CaseSensitive bool     `json:"case_sensitive,omitempty"`
	All           bool     `json:"all,omitempty"`
	Values        []string `json:"values"`
}

type gModel struct {
	Kind       string             `json:"kind"`
	Severity   string             `json:"severity,omitempty"`
	Techniques []string           `json:"techniques,omitempty"`
	Tables     []string           `json:"tables,omitempty"`
	TimeWindow string             `json:"time_window,omitempty"`
	GroupBy    []string           `json:"group_by,omitempty"`
	Trigger    string             `json:"trigger,omitempty"`
	Params     []rule.Param       `json:"params,omitempty"`
	Stages     []gStage           `json:"stages"`
	Outputs    []rule.OutputField `json:"outputs,omitempty"`
	Indicators []gInd             `json:"indicators,omitempty"`
	Events     []string           `json:"events,omitempty"`
}

func project(r *rule.Rule) gModel {
	m := gModel{Kind: r.Kind, Severity: r.Severity, Tables: r.Tables, TimeWindow: r.TimeWindow, GroupBy: r.GroupBy,
		Trigger: r.Trigger, Params: r.Params, Outputs: r.Outputs, Stages: projectStages(r.Stages)}
	for _, te := range r.Techniques {
		m.Techniques = append(m.Techniques, te.ID)
	}
	for _, in := range r.Indicators {
		m.Indicators = append(m.Indicators, gInd{in.Field, in.Kind, in.CaseSensitive, in.All, in.Values})
	}
	for _, e := range r.Events {
		m.Events = append(m.Events, e.Provider+": "+e.Event)
	}
	return m
}

func projectStages(ss []rule.Stage) []gStage {
	var out []gStage
	for _, s := range ss {
		g := gStage{Kind: s.Kind, Source: s.Source, TimeWindow: s.TimeWindow, Stages: projectStages(s.Stages)}
		for _, p := range s.Predicates {
			g.Predicates = append(g.Predicates, gPred{p.Field, p.Kind, p.Values, p.CaseSensitive, p.Negated, p.All})
		}
		out = append(out, g)
	}
	return out
}

func canonical(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestGolden reads each testdata/golden/*.yaral (one hard construct each)
// and compares the model of its rule with the .json beside it, the
// expected model written by hand.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.yaral"))
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, in := range files {
		name := strings.TrimSuffix(filepath.Base(in), ".yaral")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			rules := readRules(t, filepath.Base(in), data)
			if len(rules) != 1 {
				t.Fatalf("%d rules read, want 1", len(rules))
			}
			r := rules[0]
			for _, d := range r.Diagnostics {
				t.Errorf("diagnostic %s %d:%d: %s", d.Severity, d.Line, d.Col, d.Message)
			}
			got := canonical(t, project(r))
			want := strings.TrimSuffix(in, ".yaral") + ".json"
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wdata, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			var wm gModel
			dec := json.NewDecoder(bytes.NewReader(wdata))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&wm); err != nil {
				t.Fatalf("%s: %v", want, err)
			}
			if w := canonical(t, wm); w != got {
				t.Errorf("%s: the model differs from the expected one:\n%s", name, testcorpus.FirstDiff(w, got)+"\n--- got:\n"+got)
			}
		})
	}
	outs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, o := range outs {
		if _, err := os.Stat(strings.TrimSuffix(o, ".json") + ".yaral"); err != nil {
			t.Errorf("%s has no input", o)
		}
	}
}
