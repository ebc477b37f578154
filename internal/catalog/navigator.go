package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ATT&CK Navigator layer versions written by NavigatorLayer (layer file
// format 4.5, https://github.com/mitre-attack/attack-navigator, layers/spec/v4.5).
const (
	NavigatorLayerVersion = "4.5"
	NavigatorVersion      = "5.1.0"
)

// LayerFilters choose what a Navigator layer shows.
type LayerFilters struct {
	Description string
	// Platforms are the rule platforms (kusto, sigma, ...) whose rules are
	// counted; empty counts every rule of the matrix.
	Platforms []string
	// AttackPlatforms is the layer's ATT&CK platform filter (Windows,
	// IaaS, ...); empty shows every platform of the matrix.
	AttackPlatforms []string
}

// Layer is an ATT&CK Navigator layer (format 4.5), as far as ruledex
// writes it.
type Layer struct {
	Name                          string           `json:"name"`
	Versions                      LayerVersions    `json:"versions"`
	Domain                        string           `json:"domain"`
	Description                   string           `json:"description"`
	Filters                       LayerFilter      `json:"filters"`
	Sorting                       int              `json:"sorting"`
	Layout                        LayerLayout      `json:"layout"`
	HideDisabled                  bool             `json:"hideDisabled"`
	Techniques                    []LayerTechnique `json:"techniques"`
	Gradient                      LayerGradient    `json:"gradient"`
	LegendItems                   []LayerLegend    `json:"legendItems"`
	ShowTacticRowBackground       bool             `json:"showTacticRowBackground"`
	TacticRowBackground           string           `json:"tacticRowBackground"`
	SelectTechniquesAcrossTactics bool             `json:"selectTechniquesAcrossTactics"`
	SelectSubtechniquesWithParent bool             `json:"selectSubtechniquesWithParent"`
	SelectVisibleTechniques       bool             `json:"selectVisibleTechniques"`
	Metadata                      []LayerMetadata  `json:"metadata"`
	Links                         []LayerLink      `json:"links"`
}

// LayerVersions is a layer's versions object.
type LayerVersions struct {
	Attack    string `json:"attack"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// LayerFilter is a layer's filters object.
type LayerFilter struct {
	Platforms []string `json:"platforms"`
}

// LayerLayout is a layer's layout object.
type LayerLayout struct {
	Layout                string `json:"layout"`
	AggregateFunction     string `json:"aggregateFunction"`
	ShowID                bool   `json:"showID"`
	ShowName              bool   `json:"showName"`
	ShowAggregateScores   bool   `json:"showAggregateScores"`
	CountUnscored         bool   `json:"countUnscored"`
	ExpandedSubtechniques string `json:"expandedSubtechniques"`
}

// LayerTechnique is a technique annotation of a layer.
type LayerTechnique struct {
	TechniqueID       string          `json:"techniqueID"`
	Tactic            string          `json:"tactic"`
	Score             int             `json:"score"`
	Color             string          `json:"color"`
	Comment           string          `json:"comment"`
	Enabled           bool            `json:"enabled"`
	Metadata          []LayerMetadata `json:"metadata"`
	Links             []LayerLink     `json:"links"`
	ShowSubtechniques bool            `json:"showSubtechniques"`
}

// LayerGradient is a layer's gradient object.
type LayerGradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

// LayerLegend is a legend item.
type LayerLegend struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// LayerMetadata is a name/value pair.
type LayerMetadata struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// LayerLink is a labelled URL.
type LayerLink struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// gradientColors run from white (no rule) to green (the most rules).
var gradientColors = []string{"#ffffff", "#c7e9c0", "#41ab5d", "#00441b"}

// NavigatorLayer returns the ATT&CK Navigator layer (JSON, format 4.5) of a
// coverage matrix: every technique and sub-technique with rules, under each
// of its tactics, scored by its number of rules (a technique's score counts
// the rules of its sub-techniques too), with the rules by platform in its
// comment and metadata, and a gradient from white to green up to the
// highest score.
func NavigatorLayer(m Matrix, name string, f LayerFilters) ([]byte, error) {
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("navigator layer: a layer needs a name")
	}
	known := map[string]bool{}
	for _, p := range m.AttackPlatforms {
		known[strings.ToLower(p)] = true
	}
	attackPlatforms := m.AttackPlatforms
	if len(f.AttackPlatforms) > 0 {
		attackPlatforms = nil
		for _, p := range f.AttackPlatforms {
			if !known[strings.ToLower(p)] {
				return nil, fmt.Errorf("navigator layer: %q is not an ATT&CK platform of the matrix (%s)", p, strings.Join(m.AttackPlatforms, ", "))
			}
			for _, q := range m.AttackPlatforms {
				if strings.EqualFold(p, q) {
					attackPlatforms = append(attackPlatforms, q)
				}
			}
		}
	}
	count := map[string]bool{}
	for _, p := range f.Platforms {
		count[strings.ToLower(p)] = true
	}
	score := func(tc TechniqueCoverage) int {
		if len(count) == 0 {
			return tc.Rules
		}
		n := 0
		for p, c := range tc.ByPlatform {
			if count[strings.ToLower(p)] {
				n += c
			}
		}
		return n
	}
	counted := func(tc TechniqueCoverage) []LayerMetadata {
		md := []LayerMetadata{{Name: "rules", Value: strconv.Itoa(score(tc))}}
		var ps []string
		for p := range tc.ByPlatform {
			if len(count) == 0 || count[strings.ToLower(p)] {
				ps = append(ps, p)
			}
		}
		sort.Strings(ps)
		for _, p := range ps {
			md = append(md, LayerMetadata{Name: p, Value: strconv.Itoa(tc.ByPlatform[p])})
		}
		return md
	}
	comment := func(md []LayerMetadata) string {
		n, _ := strconv.Atoi(md[0].Value)
		s := strconv.Itoa(n) + " rule"
		if n != 1 {
			s += "s"
		}
		if len(md) > 1 {
			var parts []string
			for _, x := range md[1:] {
				parts = append(parts, x.Name+" "+x.Value)
			}
			s += " (" + strings.Join(parts, ", ") + ")"
		}
		return s
	}
	l := Layer{
		Name:        name,
		Versions:    LayerVersions{Attack: majorVersion(m.Attack), Navigator: NavigatorVersion, Layer: NavigatorLayerVersion},
		Domain:      "enterprise-attack",
		Description: f.Description,
		Filters:     LayerFilter{Platforms: append([]string{}, attackPlatforms...)},
		Sorting:     3, // by score, descending
		Layout: LayerLayout{Layout: "side", AggregateFunction: "sum", ShowID: true, ShowName: true,
			ExpandedSubtechniques: "annotated"},
		Techniques:                    []LayerTechnique{},
		LegendItems:                   []LayerLegend{},
		TacticRowBackground:           "#dddddd",
		SelectTechniquesAcrossTactics: true,
		Metadata:                      []LayerMetadata{},
		Links:                         []LayerLink{},
	}
	max := 0
	add := func(tc TechniqueCoverage, tactic string, showSubs bool) {
		md := counted(tc)
		n := score(tc)
		if n > max {
			max = n
		}
		l.Techniques = append(l.Techniques, LayerTechnique{TechniqueID: tc.ID, Tactic: tactic, Score: n,
			Comment: comment(md), Enabled: true, Metadata: md, Links: []LayerLink{}, ShowSubtechniques: showSubs})
	}
	for _, ta := range m.Tactics {
		for _, tc := range ta.Techniques {
			if score(tc) == 0 {
				continue
			}
			showSubs := false
			for _, sub := range tc.Subtechniques {
				if score(sub) > 0 {
					showSubs = true
				}
			}
			add(tc, ta.Shortname, showSubs)
			for _, sub := range tc.Subtechniques {
				if score(sub) > 0 {
					add(sub, ta.Shortname, false)
				}
			}
		}
	}
	if max < 1 {
		max = 1
	}
	l.Gradient = LayerGradient{Colors: gradientColors, MinValue: 0, MaxValue: max}
	l.LegendItems = append(l.LegendItems, LayerLegend{Label: "no rule", Color: gradientColors[0]},
		LayerLegend{Label: strconv.Itoa(max) + " rules", Color: gradientColors[len(gradientColors)-1]})
	platforms := m.Platforms
	if len(f.Platforms) > 0 {
		platforms = f.Platforms
	}
	l.Metadata = append(l.Metadata,
		LayerMetadata{Name: "generated by", Value: "ruledex"},
		LayerMetadata{Name: "rule platforms", Value: strings.Join(platforms, ", ")},
		LayerMetadata{Name: "rules in the catalog", Value: strconv.Itoa(m.Rules)},
		LayerMetadata{Name: "ATT&CK", Value: m.Attack})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(l); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// majorVersion returns the ATT&CK major version the Navigator expects
// ("18.1" → "18").
func majorVersion(v string) string {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		return v[:i]
	}
	return v
}
