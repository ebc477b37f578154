package mcp

import (
	"context"
	"encoding/json"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/rule"
)

// RelatedIn is the input of related_rules.
type RelatedIn struct {
	ID      string `json:"id,omitempty" jsonschema:"a rule's id (platform/slug): the rules related to it"`
	Action  string `json:"action,omitempty" jsonschema:"instead of id, an action (an Azure operation, a Windows event id, a CloudTrail event name...): every rule that looks at it"`
	Page    int    `json:"page,omitempty" jsonschema:"1-based page of each list (default 1)"`
	PerPage int    `json:"per_page,omitempty" jsonschema:"rules a page of each list (default 10, at most 100)"`
}

// RelatedOut is the rules related to a rule or an action.
type RelatedOut struct {
	ID      string   `json:"id" jsonschema:"the rule asked about (empty when action was given)"`
	Title   string   `json:"title"`
	Actions []string `json:"actions" jsonschema:"the actions the rule looks at, or the action asked about"`
	// SameAction are the rules, in any language, that look at one of the
	// actions (rule.Rule.SameAction, which the build fills; the catalog's
	// Action for an action given).
	SameAction RefPage `json:"same_action" jsonschema:"rules in any language that look at one of the same actions, each with the actions that match"`
	// NearDuplicates are rules whose logic is nearly the same (the build's
	// rule.Rule.NearDuplicates).
	NearDuplicates RefPage `json:"near_duplicates" jsonschema:"rules whose detection logic is nearly the same"`
	// SameBehaviour are the rules that detect the same behaviour, when the
	// catalog records them (the rule's JSON has same_behaviour).
	SameBehaviour BehaviourPage `json:"same_behaviour"`
}

// RefPage is a page of a list of rules.
type RefPage struct {
	Total   int            `json:"total"`
	Page    int            `json:"page"`
	PerPage int            `json:"per_page"`
	Rules   []rule.RuleRef `json:"rules"`
}

// BehaviourPage is a page of the rules of the same behaviour, each as the
// rule's JSON lists it (id, platform, title, and what the catalog says of
// the likeness).
type BehaviourPage struct {
	Total    int              `json:"total"`
	Page     int              `json:"page"`
	PerPage  int              `json:"per_page"`
	Rules    []map[string]any `json:"rules" jsonschema:"the rules, as the rule's JSON lists them under same_behaviour"`
	Recorded bool             `json:"recorded" jsonschema:"whether this catalog records rules of the same behaviour at all"`
	Note     string           `json:"note,omitempty"`
}

// sameBehaviourKeys are the keys of the rule's JSON that may list the
// rules of the same behaviour (the contract's spelling, either way).
var sameBehaviourKeys = []string{"same_behaviour", "same_behavior"}

func (t *tools) related(ctx context.Context, _ *sdk.CallToolRequest, in RelatedIn) (*sdk.CallToolResult, *RelatedOut, error) {
	p, pp, err := page(in.Page, in.PerPage)
	if err != nil {
		return nil, nil, err
	}
	id, action := strings.TrimSpace(in.ID), strings.TrimSpace(in.Action)
	if (id == "") == (action == "") {
		return nil, nil, toolError("give id (a rule) or action (an action's name or id), one of them")
	}
	if action != "" {
		if len(action) > 500 {
			return nil, nil, toolError("action longer than 500 bytes")
		}
		refs, err := t.cat.Action(ctx, action)
		if err != nil {
			return nil, nil, err
		}
		return nil, &RelatedOut{Actions: []string{action}, SameAction: pageOf(refs, p, pp), NearDuplicates: pageOf(nil, p, pp),
			SameBehaviour: BehaviourPage{Page: p, PerPage: pp, Rules: []map[string]any{}, Note: "give id for the rules of a rule's behaviour"}}, nil
	}
	r, err := t.rule(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	out := &RelatedOut{ID: r.ID, Title: r.Title, Actions: nonNil(r.Actions), SameAction: pageOf(r.SameAction, p, pp),
		NearDuplicates: pageOf(r.NearDuplicates, p, pp)}
	out.SameBehaviour, err = sameBehaviour(r, p, pp)
	if err != nil {
		return nil, nil, err
	}
	return nil, out, nil
}

// sameBehaviour reads the rules of the same behaviour from the rule's JSON,
// where the catalog records them.
func sameBehaviour(r *rule.Rule, p, pp int) (BehaviourPage, error) {
	parts, err := ruleParts(r)
	if err != nil {
		return BehaviourPage{}, err
	}
	out := BehaviourPage{Page: p, PerPage: pp, Rules: []map[string]any{}}
	for _, k := range sameBehaviourKeys {
		raw, ok := parts[k]
		if !ok {
			continue
		}
		var refs []map[string]any
		if err := json.Unmarshal(raw, &refs); err != nil {
			out.Recorded, out.Note = true, "the rule's "+k+" is not a list of rules; get_rule with fields [\""+k+"\"] shows it"
			return out, nil
		}
		out.Total, out.Recorded = len(refs), true
		if from := (p - 1) * pp; from < len(refs) {
			out.Rules = refs[from:min(len(refs), from+pp)]
		}
		return out, nil
	}
	out.Note = "this catalog does not record rules of the same behaviour; same_action and near_duplicates are what it relates"
	return out, nil
}

// pageOf returns the page p (of pp rules) of refs.
func pageOf(refs []rule.RuleRef, p, pp int) RefPage {
	out := RefPage{Total: len(refs), Page: p, PerPage: pp, Rules: []rule.RuleRef{}}
	from := (p - 1) * pp
	if from >= len(refs) {
		return out
	}
	for _, r := range refs[from:min(len(refs), from+pp)] {
		r.Actions = nonNil(r.Actions)
		out.Rules = append(out.Rules, r)
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
