package store

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestDecodeHead: decodeHead gives the fields of decodeRule up to the
// rule's tactics (what the matrix needs), for rules with every field set.
func TestDecodeHead(t *testing.T) {
	for seed := range 3 {
		var r rule.Rule
		n := seed * 100
		fillAll(t, reflect.ValueOf(&r).Elem(), &n, seed, 0)
		b := string(encodeRule(nil, &r))
		full, err := decodeRule(b)
		if err != nil {
			t.Fatal(err)
		}
		head, err := decodeHead(b)
		if err != nil {
			t.Fatal(err)
		}
		want := &rule.Rule{ID: full.ID, Platform: full.Platform, Product: full.Product, Language: full.Language, Title: full.Title,
			Source: rule.Source{Repo: full.Source.Repo, Path: full.Source.Path, Line: full.Source.Line}, Kind: full.Kind,
			Status: full.Status, Severity: full.Severity, Techniques: full.Techniques, Tactics: full.Tactics}
		if !reflect.DeepEqual(head, want) {
			t.Errorf("seed %d: head\n%+v\nwant\n%+v", seed, head, want)
		}
	}
	if _, err := decodeHead("\x01\x05ab"); err == nil {
		t.Error("a truncated rule decodes")
	}
}

// TestFacetsOf: the one definition of a rule's facets: tactics as ATT&CK
// shortnames however the rule writes them (a technique's own, else the
// rule's, else "other"), a sub-technique with its parent, values once
// whatever their case.
func TestFacetsOf(t *testing.T) {
	r := &rule.Rule{Platform: "sigma", Kind: "detection", Severity: "High", Source: rule.Source{Repo: "r"},
		Tactics: []string{"TA0008", "Nonsense"},
		Techniques: []rule.Technique{
			{ID: "t1059.001", Tactic: "Execution"},
			{ID: "T1059.003", Tactics: []string{"execution"}},
			{ID: "T1021"},
			{ID: "T9999"},
		},
		Tables: []string{"windows//process_creation", "Windows//Process_Creation"}}
	got := map[string][]string{}
	for _, fv := range facetsOf(r) {
		got[fv.facet] = append(got[fv.facet], fv.value)
	}
	for facet, want := range map[string][]string{
		FacetTechnique: {"T1059.001", "T1059", "T1059.003", "T1021", "T9999"},
		FacetTactic:    {"execution", "lateral-movement"},
		FacetSeverity:  {"high"},
		FacetTable:     {"windows//process_creation"},
	} {
		if !slices.Equal(got[facet], want) {
			t.Errorf("%s: %v, want %v", facet, got[facet], want)
		}
	}
	// A technique with no tactic of its own, in a rule that states none.
	other := facetsOf(&rule.Rule{Techniques: []rule.Technique{{ID: "T1021"}}})
	if !slices.Contains(other, facetValue{FacetTactic, "other"}) {
		t.Errorf("no tactic: %v", other)
	}
	for _, tc := range []struct {
		facets map[string][]string
		want   bool
	}{
		{map[string][]string{"technique": {"T1059"}}, true},
		{map[string][]string{"tactic": {"lateral-movement"}}, true},
		{map[string][]string{"tactic": {"TA0008"}}, false}, // values are shortnames
		{map[string][]string{"tactic": {"nonsense"}}, false},
	} {
		if got := MatchFacets(r, tc.facets); got != tc.want {
			t.Errorf("MatchFacets(%v) = %v, want %v", tc.facets, got, tc.want)
		}
	}
}

// TestReadStopsWithContext: a read whose context is done stops with the
// context's error, and does not spoil what the reader loads once for all
// (the facet, indicator and action indexes).
func TestReadStopsWithContext(t *testing.T) {
	d := builtFixture(t)
	tables, err := d.FacetValues(t.Context(), FacetTable)
	if err != nil || len(tables) == 0 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	done, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := d.Search(done, Query{Text: "run command"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Search: %v", err)
	}
	if _, err := d.Search(done, Query{}); !errors.Is(err, context.Canceled) {
		t.Errorf("listing: %v", err)
	}
	if _, err := d.Rule(done, "sigma/vm_run_command"); !errors.Is(err, context.Canceled) {
		t.Errorf("Rule: %v", err)
	}
	if err := d.EachRule(done, func(*rule.Rule) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("EachRule: %v", err)
	}
	for name, f := range map[string]func(context.Context) error{
		"Stats":       func(ctx context.Context) error { _, err := d.Stats(ctx); return err },
		"Indicators":  func(ctx context.Context) error { _, err := d.Indicators(ctx, IndicatorQuery{}); return err },
		"Action":      func(ctx context.Context) error { _, err := d.Action(ctx, "x"); return err },
		"IDs":         func(ctx context.Context) error { _, err := d.IDs(ctx); return err },
		"Coverage":    func(ctx context.Context) error { _, err := d.Coverage(ctx, nil, nil); return err },
		"TableFields": func(ctx context.Context) error { _, err := d.TableFields(ctx, tables[0].Value); return err },
		"Problems":    func(ctx context.Context) error { _, err := d.Problems(ctx); return err },
	} {
		if err := f(done); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a done context: %v", name, err)
		}
		if err := f(t.Context()); err != nil {
			t.Errorf("%s after a done context: %v", name, err)
		}
	}
	if res, err := d.Search(t.Context(), Query{Text: "run command"}); err != nil || res.Total == 0 {
		t.Errorf("Search after a done context: %d rules, %v", res.Total, err)
	}
}
