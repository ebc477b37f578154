package store

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ruledex/ruledex/internal/rule"
)

// TestStatsCheap checks Stats, which loads no index, against the figures
// the facet and indicator indexes and the rules themselves give: on the
// fixture and, when it is there, on the corpus.
func TestStatsCheap(t *testing.T) {
	check := func(t *testing.T, d *DB) {
		ctx := t.Context()
		st, err := d.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ix, err := d.index(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tables, events := 0, 0
		for _, f := range ix.facet {
			switch f {
			case FacetTable:
				tables++
			case FacetEvent:
				events++
			}
		}
		inds, err := d.indicatorIndex(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := Stats{ByPlatform: map[string]int{}, ByLanguage: map[string]int{}, ByKind: map[string]int{}, ByRepo: map[string]int{},
			Tables: tables, Events: events, Indicators: len(inds)}
		techs := map[string]bool{}
		err = d.EachRule(ctx, func(r *rule.Rule) error {
			want.Rules++
			want.ByPlatform[r.Platform]++
			want.ByLanguage[r.Language]++
			want.ByKind[r.Kind]++
			want.ByRepo[r.Source.Repo]++
			for _, dg := range r.Diagnostics {
				if dg.Severity == rule.SevError {
					want.WithErrors++
					break
				}
			}
			for _, tq := range r.Techniques {
				techs[strings.ToUpper(tq.ID)] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want.Techniques = len(techs)
		if st.Rules != want.Rules || !maps.Equal(st.ByPlatform, want.ByPlatform) || !maps.Equal(st.ByLanguage, want.ByLanguage) ||
			!maps.Equal(st.ByKind, want.ByKind) || !maps.Equal(st.ByRepo, want.ByRepo) || st.WithErrors != want.WithErrors ||
			st.Techniques != want.Techniques || st.Tables != want.Tables || st.Events != want.Events || st.Indicators != want.Indicators {
			t.Errorf("stats\n%+v\nwant\n%+v", st, want)
		}
		if st.Rules == 0 || st.Files == 0 || st.LastBuild.Time.IsZero() || len(st.LastBuild.Sources) == 0 {
			t.Errorf("stats %+v", st)
		}
		lb, err := d.LastBuild(ctx)
		if err != nil || !lb.Time.Equal(st.LastBuild.Time) || len(lb.Sources) != len(st.LastBuild.Sources) {
			t.Errorf("last build %+v, %v", lb, err)
		}
	}
	t.Run("fixture", func(t *testing.T) { check(t, builtFixture(t)) })
	t.Run("corpus", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds the corpus")
		}
		d, err := Open(corpusCatalog(t))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		check(t, d)
	})
}

// TestIDsWithPrefix checks the ids of a prefix against every id: LIKE's
// own characters (_ and %) taken as themselves, case ignored.
func TestIDsWithPrefix(t *testing.T) {
	d := builtFixture(t)
	all, err := d.IDs(t.Context())
	if err != nil || len(all) < 3 {
		t.Fatalf("ids %v %v", all, err)
	}
	prefixes := []string{"", "%", "_", `\`, strings.ToUpper(all[0][:3])}
	for _, id := range all {
		prefixes = append(prefixes, id, id[:len(id)/2], strings.ReplaceAll(id[:len(id)/2], "-", "_"))
	}
	for _, p := range prefixes {
		got, err := d.IDsWithPrefix(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, id := range all {
			if len(id) >= len(p) && strings.EqualFold(id[:len(p)], p) {
				want = append(want, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", p, got, want)
		}
	}
}
