package mcp

import (
	"context"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/rule"
)

// CompareIn is the input of compare_rules.
type CompareIn struct {
	A string `json:"a" jsonschema:"a rule's id (platform/slug)"`
	B string `json:"b" jsonschema:"another rule's id"`
}

// CompareOut is what two rules share and what each has alone.
type CompareOut struct {
	A RuleHead `json:"a"`
	B RuleHead `json:"b"`
	// Indicators compares positive indicators by field, kind and value
	// (values case-insensitive unless a rule matches them by case).
	Indicators Compared `json:"indicators" jsonschema:"positive indicators as field kind value (field:kind:value)"`
	// Values compares the indicators' values whatever their field: rules
	// of two languages name the same thing with different fields.
	Values     Compared `json:"values" jsonschema:"indicator values, whatever their field (case-insensitive)"`
	Techniques Compared `json:"techniques" jsonschema:"ATT&CK techniques"`
	Events     Compared `json:"events" jsonschema:"events looked at, as provider/event (case-insensitive)"`
	Fields     Compared `json:"fields" jsonschema:"fields named (case-insensitive)"`
	Tables     Compared `json:"tables" jsonschema:"tables or log sources read"`
	Actions    Compared `json:"actions" jsonschema:"actions looked at, what related_rules relates (case-insensitive)"`
	SameAction bool     `json:"same_action" jsonschema:"each rule lists the other among the rules of the same action"`
	NearDup    bool     `json:"near_duplicate" jsonschema:"the rules are near-duplicates of each other"`
}

// RuleHead names a rule.
type RuleHead struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Platform string `json:"platform"`
	Language string `json:"language"`
}

// Compared is one kind of thing of two rules: shared, and each's alone
// (each list at most maxCompared long, the counts whole).
type Compared struct {
	Shared      []string `json:"shared"`
	OnlyA       []string `json:"only_a"`
	OnlyB       []string `json:"only_b"`
	SharedCount int      `json:"shared_count"`
	OnlyACount  int      `json:"only_a_count"`
	OnlyBCount  int      `json:"only_b_count"`
}

func (t *tools) compare(ctx context.Context, _ *sdk.CallToolRequest, in CompareIn) (*sdk.CallToolResult, *CompareOut, error) {
	a, err := t.rule(ctx, in.A)
	if err != nil {
		return nil, nil, err
	}
	b, err := t.rule(ctx, in.B)
	if err != nil {
		return nil, nil, err
	}
	out := &CompareOut{
		A:          head(a),
		B:          head(b),
		Indicators: compare(indicatorKeys(a, true), indicatorKeys(b, true)),
		Values:     compare(indicatorKeys(a, false), indicatorKeys(b, false)),
		Techniques: compare(keysOf(a.Techniques, func(t rule.Technique) string { return t.ID }), keysOf(b.Techniques, func(t rule.Technique) string { return t.ID })),
		Events:     compare(foldedOf(a.Events, eventKey), foldedOf(b.Events, eventKey)),
		Fields:     compare(folded(a.Keywords), folded(b.Keywords)),
		Tables:     compare(keysOf(a.Tables, ident), keysOf(b.Tables, ident)),
		Actions:    compare(folded(a.Actions), folded(b.Actions)),
		SameAction: refers(a.SameAction, b.ID) || refers(b.SameAction, a.ID),
		NearDup:    refers(a.NearDuplicates, b.ID) || refers(b.NearDuplicates, a.ID),
	}
	return nil, out, nil
}

func head(r *rule.Rule) RuleHead {
	return RuleHead{ID: r.ID, Title: r.Title, Platform: r.Platform, Language: r.Language}
}

func ident(s string) string { return s }

func eventKey(e rule.Event) string {
	if e.Provider == "" {
		return e.Event
	}
	return e.Provider + "/" + e.Event
}

func refers(refs []rule.RuleRef, id string) bool {
	return slices.ContainsFunc(refs, func(r rule.RuleRef) bool { return r.ID == id })
}

// keysOf returns the keys of xs (their first spelling), by key.
func keysOf[T any](xs []T, key func(T) string) map[string]string {
	m := map[string]string{}
	for _, x := range xs {
		if k := key(x); k != "" {
			m[k] = k
		}
	}
	return m
}

// folded returns ss (their first spelling) by their case-folded form:
// fields, actions and events compare ignoring case, as the catalog
// matches actions (catalog.MatchAction).
func folded(ss []string) map[string]string { return foldedOf(ss, ident) }

func foldedOf[T any](xs []T, key func(T) string) map[string]string {
	m := map[string]string{}
	for _, x := range xs {
		s := key(x)
		k := strings.ToLower(s)
		if _, ok := m[k]; !ok && s != "" {
			m[k] = s
		}
	}
	return m
}

// indicatorKeys returns r's positive indicator values, as field:kind:value
// (withField) or as the value alone, by their compared form (folded unless
// the rule matches the value by case).
func indicatorKeys(r *rule.Rule, withField bool) map[string]string {
	m := map[string]string{}
	for _, in := range r.Indicators {
		if in.Negated {
			continue
		}
		for _, v := range in.Values {
			shown := v
			if withField {
				shown = in.Field + ":" + in.Kind + ":" + v
			}
			k := shown
			if !in.CaseSensitive || !withField {
				k = strings.ToLower(shown)
			}
			if _, ok := m[k]; !ok {
				m[k] = shown
			}
		}
	}
	return m
}

// compare returns the keys of a and b shared and each's alone, sorted and
// cut to maxCompared, in the spelling of a (shared, only a) or b.
func compare(a, b map[string]string) Compared {
	var c Compared
	for k, v := range a {
		if _, ok := b[k]; ok {
			c.Shared = append(c.Shared, v)
		} else {
			c.OnlyA = append(c.OnlyA, v)
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			c.OnlyB = append(c.OnlyB, v)
		}
	}
	c.SharedCount, c.OnlyACount, c.OnlyBCount = len(c.Shared), len(c.OnlyA), len(c.OnlyB)
	cut := func(ss []string) []string {
		slices.Sort(ss)
		return nonNil(ss[:min(len(ss), maxCompared)])
	}
	c.Shared, c.OnlyA, c.OnlyB = cut(c.Shared), cut(c.OnlyA), cut(c.OnlyB)
	return c
}
