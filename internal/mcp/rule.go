package mcp

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/web"
)

// GetRuleIn is the input of get_rule.
type GetRuleIn struct {
	ID     string   `json:"id" jsonschema:"the rule's id (platform/slug), as search_rules answers it"`
	Fields []string `json:"fields,omitempty" jsonschema:"top-level keys of the rule's JSON to answer with (e.g. title, query, indicators, techniques, events); empty: all"`
}

// GetRuleOut is one rule.
type GetRuleOut struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Explanation string         `json:"explanation" jsonschema:"what the rule looks for, in plain words (the model's explanation)"`
	Rule        map[string]any `json:"rule" jsonschema:"the rule's JSON: the contract of ruledex parse and of /api/v1/rules/{id}, its keys cut to fields when given"`
	// Omitted are the top-level keys left out of Rule to keep the answer
	// under maxRuleBytes, each with its size.
	Omitted  []OmittedKey   `json:"omitted" jsonschema:"keys of the rule's JSON left out to keep the answer small (ask for them with fields)"`
	Findings []lint.Finding `json:"findings" jsonschema:"what ruledex lint found in the rule when the catalog was built"`
}

// OmittedKey is a part of a rule's JSON an answer left out.
type OmittedKey struct {
	Key   string `json:"key"`
	Bytes int    `json:"bytes"`
}

func (t *tools) getRule(ctx context.Context, _ *sdk.CallToolRequest, in GetRuleIn) (*sdk.CallToolResult, *GetRuleOut, error) {
	r, err := t.rule(ctx, in.ID)
	if err != nil {
		return nil, nil, err
	}
	parts, err := ruleParts(r)
	if err != nil {
		return nil, nil, err
	}
	if len(in.Fields) > 0 {
		keep := map[string]json.RawMessage{}
		var unknown []string
		for _, f := range in.Fields {
			if v, ok := parts[f]; ok {
				keep[f] = v
			} else {
				unknown = append(unknown, f)
			}
		}
		if len(unknown) > 0 {
			keys := make([]string, 0, len(parts))
			for k := range parts {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return nil, nil, toolError("the rule's JSON has no key %s; its keys: %s", strings.Join(unknown, ", "), strings.Join(keys, ", "))
		}
		parts = keep
	}
	// What the build's lint found in it (the corpus checks included).
	findings, err := t.cat.RuleFindings(ctx, r.ID)
	if err != nil {
		return nil, nil, err
	}
	out := &GetRuleOut{ID: r.ID, Title: r.Title, Explanation: r.Explanation, Rule: map[string]any{}, Omitted: []OmittedKey{},
		Findings: findings}
	if out.Findings == nil {
		out.Findings = []lint.Finding{}
	}
	// The largest parts go first until the rest fits.
	size := 2
	keys := make([]string, 0, len(parts))
	for k, v := range parts {
		size += len(k) + len(v) + 4
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(len(parts[b]), len(parts[a])), cmp.Compare(a, b)) })
	for _, k := range keys {
		if size <= maxRuleBytes {
			break
		}
		size -= len(k) + len(parts[k]) + 4
		out.Omitted = append(out.Omitted, OmittedKey{Key: k, Bytes: len(parts[k])})
		delete(parts, k)
	}
	for k, v := range parts {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return nil, nil, err
		}
		out.Rule[k] = x
	}
	return nil, out, nil
}

// ruleParts returns the rule's JSON (web.MarshalRule: the API's) by top-level key.
func ruleParts(r *rule.Rule) (map[string]json.RawMessage, error) {
	data, err := web.MarshalRule(r)
	if err != nil {
		return nil, err
	}
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return nil, err
	}
	return parts, nil
}
