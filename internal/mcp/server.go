// Package mcp serves a built catalog to AI assistants as a Model Context
// Protocol server (https://modelcontextprotocol.io/specification/2025-11-25),
// with the Go SDK (github.com/modelcontextprotocol/go-sdk). Its tools read
// the catalog the website reads (web.StoreCatalog over package store) and
// answer with the API's JSON shapes (web.Hit, web.IndicatorList, the rule
// contract of web.MarshalRule): no fact is computed here that the store or
// the web already compute.
//
// Every tool has a JSON schema for its input and its output, inferred by
// the SDK from the Go types of this package (the jsonschema tags are the
// descriptions an assistant reads). Answers are bounded: lists are paged or
// capped, and say how many things they left out.
//
// Errors follow the specification (2025-11-25, "Error Handling" of
// server/tools, and SEP-1303): a call of a tool that does not exist, or a
// request that is not a tools/call request, is a JSON-RPC protocol error
// (the SDK answers it); arguments that do not fit the tool's schema or
// that name nothing (an unknown facet, a rule id not in the catalog, a
// language ruledex does not read) are tool execution errors, a result with
// isError set and a message the assistant can act on, so that the model
// sees it and corrects its call.
package mcp

import (
	"context"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ruledex/ruledex/internal/lang"
	"github.com/ruledex/ruledex/internal/rule"
	"github.com/ruledex/ruledex/internal/store"
	"github.com/ruledex/ruledex/internal/web"
)

// Catalog is what the tools read: the web's catalog of a built store
// (web.StoreCatalog), with its store for what the web's interface does not
// ask (coverage of a facet).
type Catalog interface {
	web.Catalog
	DB() *store.DB
}

// Bounds of the answers.
const (
	DefaultPerPage = 10  // rules or indicators of a page when the call gives none
	MaxPerPage     = 100 // the most a call may ask for
	maxFacetValues = 10  // values of each facet a search answer counts
	maxRefs        = 100 // rules of a list in answers that are not paged (indicator uses)
	maxCompared    = 100 // items of each list of a comparison
	// MaxLintBytes caps the rule text lint_rule reads.
	MaxLintBytes = 1 << 20
)

// maxRuleBytes caps the JSON of the rule get_rule answers with: the
// largest top-level parts of a bigger rule are left out, and named (a
// variable for the tests).
var maxRuleBytes = 256 << 10

// New returns the MCP server of cat, its tools added. version is ruledex's
// (the server's implementation version).
func New(cat Catalog, version string) *sdk.Server {
	if version == "" {
		version = "dev"
	}
	s := sdk.NewServer(&sdk.Implementation{Name: "ruledex", Title: "ruledex detection-rule catalog", Version: version},
		&sdk.ServerOptions{Instructions: instructions()})
	t := &tools{cat: cat}
	t.add(s)
	return s
}

// instructions tells an assistant what the server holds: the languages
// are the registry's (package lang).
func instructions() string {
	var langs []string
	for _, l := range lang.All() {
		langs = append(langs, l.Title)
	}
	return "ruledex holds a catalog of detection rules read into one model, in " + strings.Join(langs, ", ") + ". " +
		"Find rules with search_rules (free text and facets KEY=VALUE), read one with get_rule (its JSON and a plain-words " +
		"explanation), find rules looking at the same action with related_rules, count indicators across the corpus with " +
		"indicator_counts, see ATT&CK coverage and its gaps with attack_coverage, check a rule text with lint_rule, and " +
		"compare two rules with compare_rules. Rule ids are platform/slug, as search_rules answers them."
}

type tools struct{ cat Catalog }

func (t *tools) add(s *sdk.Server) {
	readOnly := &sdk.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: new(false)}
	sdk.AddTool(s, &sdk.Tool{Name: "search_rules", Title: "Search rules", Annotations: readOnly,
		Description: "Search the catalog's rules by free text (every word must occur; \"a phrase\", -word to exclude, " +
			"a OR b, prefix*) and facets KEY=VALUE (" + strings.Join(web.FacetKeys, ", ") + "; values of one key ORed, keys ANDed). " +
			"Answers a page of rules with a snippet of the text that matched, and the most frequent facet values of the whole result."},
		t.search)
	sdk.AddTool(s, &sdk.Tool{Name: "get_rule", Title: "Get a rule", Annotations: readOnly,
		Description: "One rule by id (platform/slug): its JSON (the contract of `ruledex parse`: metadata, query, stages, " +
			"indicators with their corpus counts, techniques, events, same-action rules, diagnostics), its explanation in plain " +
			"words, and what ruledex lint finds in it. fields selects top-level keys of the JSON."},
		t.getRule)
	sdk.AddTool(s, &sdk.Tool{Name: "related_rules", Title: "Rules detecting the same action", Annotations: readOnly,
		Description: "Rules in any language that look at the same action as a rule (an Azure operation, a Windows event id, " +
			"a CloudTrail event name...), its near-duplicates, and rules of the same behaviour where the catalog records them; " +
			"or, given action instead of id, every rule that looks at that action."},
		t.related)
	sdk.AddTool(s, &sdk.Tool{Name: "indicator_counts", Title: "Indicator counts", Annotations: readOnly,
		Description: "Indicators (field, kind, value: what rules match positively) with the number of rules matching each " +
			"and their count by platform, most used first; value is a substring of the value. With exact, the rules " +
			"that match one field, kind and value."},
		t.indicators)
	sdk.AddTool(s, &sdk.Tool{Name: "attack_coverage", Title: "ATT&CK coverage", Annotations: readOnly,
		Description: "MITRE ATT&CK coverage of the catalog's detection rules (or of those with the facets given): by tactic, " +
			"the techniques covered with their rule counts by platform, and the gaps (techniques with no rule)."},
		t.coverage)
	sdk.AddTool(s, &sdk.Tool{Name: "lint_rule", Title: "Lint a rule text", Annotations: readOnly,
		Description: "Read a rule text (a file's content) as ruledex reads files and run ruledex lint's checks on it; " +
			"give its language (raw query: " + strings.Join(rawLanguages(), ", ") + "), its format (" + strings.Join(formatNames(), ", ") +
			"), or a file name whose extension and content tell it. Answers the rules read, the reader's diagnostics and lint's findings."},
		t.lint)
	sdk.AddTool(s, &sdk.Tool{Name: "compare_rules", Title: "Compare two rules", Annotations: readOnly,
		Description: "What two rules of the catalog share and what each has alone: indicators (same field and value, " +
			"and same value in any field), ATT&CK techniques, events, fields, tables and actions."},
		t.compare)
}

// toolError is an error of a call's arguments or of what they name; the
// SDK answers it as a result with isError set.
func toolError(format string, args ...any) error { return fmt.Errorf(format, args...) }

// page returns the 1-based page and the page size of a call, in range.
func page(p, perPage int) (int, int, error) {
	if p < 0 || perPage < 0 {
		return 0, 0, toolError("page and per_page are positive")
	}
	if perPage > MaxPerPage {
		return 0, 0, toolError("per_page is at most %d", MaxPerPage)
	}
	if p == 0 {
		p = 1
	}
	if perPage == 0 {
		perPage = DefaultPerPage
	}
	return p, perPage, nil
}

// rule looks a rule up by its id, or by its source's own identifier (a
// Sigma UUID); a rule not found is an error that names the rules within a
// few edits of what was given (store.Suggest, as show does).
func (t *tools) rule(ctx context.Context, id string) (*rule.Rule, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil, toolError("give a rule id (platform/slug, as search_rules answers)")
	}
	r, err := t.cat.Rule(ctx, id)
	if err == web.ErrNotFound {
		if byUID, uerr := t.cat.DB().RuleIDByUID(ctx, id); uerr == nil {
			r, err = t.cat.Rule(ctx, byUID)
		}
	}
	if err == web.ErrNotFound {
		msg := fmt.Sprintf("no rule %q in the catalog (ids are platform/slug, as search_rules answers them)", id)
		if sug, serr := t.cat.DB().Suggest(ctx, id, 5); serr == nil && len(sug) > 0 {
			var ids []string
			for _, s := range sug {
				ids = append(ids, s.ID)
			}
			msg += "; did you mean " + strings.Join(ids, ", ") + "?"
		}
		return nil, toolError("%s", msg)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}
