package web

import (
	"context"
	"errors"

	"github.com/ruledex/ruledex/internal/catalog"
	"github.com/ruledex/ruledex/internal/lint"
	"github.com/ruledex/ruledex/internal/rule"
)

// ErrNotFound is returned by a Catalog when the thing asked for does not exist.
var ErrNotFound = errors.New("not found")

// Catalog is what the website and the API read. Every method is safe for
// concurrent use. Returned values are shared: callers must not modify them.
type Catalog interface {
	// Version identifies this build of the catalog; it changes whenever the
	// content may have changed, and makes the ETags of every response.
	Version() string
	// Stats summarises the catalog for the home page.
	Stats(ctx context.Context) (*Stats, error)
	// Rule returns the rule with this id (platform/slug), or ErrNotFound.
	Rule(ctx context.Context, id string) (*rule.Rule, error)
	// RuleShown returns the rule with this id as its page shows it: each
	// list of links (same action, near-duplicates, same behaviour) cut to
	// its first maxShownLinks, and the lists' whole lengths; ErrNotFound
	// when there is none. With N forks of a corpus the lists are N times
	// longer: a page reads and writes a bounded part of them.
	RuleShown(ctx context.Context, id string) (*rule.Rule, LinkTotals, error)
	// RuleLinks returns the rule's lists of links from offset on, limit of
	// each at most, and their whole lengths; ErrNotFound for no such rule.
	RuleLinks(ctx context.Context, id string, offset, limit int) (*Links, error)
	// RuleIDs returns every rule id, sorted.
	RuleIDs(ctx context.Context) ([]string, error)
	// Search finds rules by free text and facets, a page at a time, with the
	// facet counts of the whole result.
	Search(ctx context.Context, q Query) (*Result, error)
	// Indicators lists the distinct (field, kind, value) indicators of the
	// corpus with the number of rules matching each, most used first.
	Indicators(ctx context.Context, q IndicatorQuery) (*IndicatorList, error)
	// Indicator returns the rules that match one (field, kind, value)
	// positively; kind "" means any kind. ErrNotFound when no rule does.
	Indicator(ctx context.Context, field, kind, value string) (*IndicatorResult, error)
	// Coverage returns the ATT&CK coverage of the catalog's detection rules.
	Coverage(ctx context.Context) (*Coverage, error)
	// Repo summarises one repository of the catalog: its rules by platform
	// and kind, their diagnostics, and its last build. ErrNotFound when no
	// rule comes from it.
	Repo(ctx context.Context, name string) (*RepoInfo, error)
	// Action returns the rules that look at an action (an Azure operation, a
	// Windows event id, a CloudTrail event name...), in any language, each
	// with its actions that match (see catalog.MatchAction).
	Action(ctx context.Context, value string) ([]rule.RuleRef, error)
	// TableFields returns the fields of a table or log source that rules
	// reading it use, with the number of rules using each, most used first.
	TableFields(ctx context.Context, table string) ([]FieldCount, error)
	// RuleFindings returns what ruledex lint found in the rule with this id
	// (the build ran it), in its order; ErrNotFound when there is no rule.
	RuleFindings(ctx context.Context, id string) ([]lint.Finding, error)
	// RuleFindingsShown is RuleFindings cut to the first maxShownFindings,
	// with the number of them all: what the rule page shows.
	RuleFindingsShown(ctx context.Context, id string) ([]lint.Finding, int, error)
	// FindingChecks returns every check of ruledex lint with the number of
	// rules and findings it has in the catalog.
	FindingChecks(ctx context.Context) ([]FindingCheck, error)
	// CheckFindings returns a page of the findings of one check (perPage
	// 0: all), each with its rule's title; ErrNotFound for no such check.
	CheckFindings(ctx context.Context, check string, page, perPage int) (*CheckFindingList, error)
}

// RepoInfo summarises one repository of a catalog.
type RepoInfo struct {
	Name        string         `json:"name"`
	URL         string         `json:"url"` // its git address, when the build was told it
	Ref         string         `json:"ref"` // the branch, tag or commit of its links
	Rules       int            `json:"rules"`
	ByPlatform  map[string]int `json:"by_platform"`
	ByKind      map[string]int `json:"by_kind"`
	Diagnostics map[string]int `json:"diagnostics"` // diagnostics of its rules, by severity
	WithErrors  int            `json:"with_errors"` // rules with an error diagnostic
	// WithDiagnostics is the number of rules with a diagnostic; Problems
	// lists them (up to 100), those with errors first.
	WithDiagnostics int            `json:"with_diagnostics"`
	Problems        []RuleProblems `json:"problems"`
	Built           string         `json:"built"` // when the catalog was last built (RFC 3339), if known
}

// RuleProblems is a rule and its diagnostics.
type RuleProblems struct {
	rule.RuleRef
	Diagnostics []rule.Diagnostic `json:"diagnostics"`
}

// FieldCount is a field and how many rules use it.
type FieldCount struct {
	Field string `json:"field"` // as the first rule to use it writes it
	Rules int    `json:"rules"`
	// Values tells whether some rule matches values of the field positively,
	// so that the field has a page of its indicators.
	Values bool `json:"values"`
}

// Facet keys a Query can filter on and a Result counts.
var FacetKeys = []string{"platform", "language", "kind", "severity", "status", "repo", "table", "tactic", "technique", "provider", "event", "author", "finding"}

// Facet is one key:value filter. Values compare case-insensitively; the
// technique facet also matches the sub-techniques of a technique.
type Facet struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Query asks for a page of rules.
type Query struct {
	Text    string  // free text; every word must occur (case-insensitive)
	Facets  []Facet // every facet must hold
	Page    int     // 1-based; 0 means 1
	PerPage int     // 0 means DefaultPerPage; at most MaxPerPage
	// Browse leaves out third-party alert feeds, as the browse pages and the
	// coverage matrix do; a search keeps them.
	Browse bool
	// Sort is title, date, severity or platform (store.Sorts); "" is by
	// relevance with text, else by title.
	Sort string
}

// Paging limits.
const (
	DefaultPerPage = 50
	MaxPerPage     = 1000
)

// Norm returns q with its page and page size in range.
func (q Query) Norm() Query {
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage <= 0 {
		q.PerPage = DefaultPerPage
	}
	if q.PerPage > MaxPerPage {
		q.PerPage = MaxPerPage
	}
	return q
}

// Result is one page of rules found.
type Result struct {
	Total   int                     `json:"total"`
	Page    int                     `json:"page"`
	PerPage int                     `json:"per_page"`
	Hits    []Hit                   `json:"hits"`
	Facets  map[string][]FacetCount `json:"facets"` // by FacetKeys key, most frequent first
}

// Hit is a rule found, with a snippet of the text that matched.
type Hit struct {
	ID         string   `json:"id"`
	Platform   string   `json:"platform"`
	Language   string   `json:"language"`
	Kind       string   `json:"kind"`
	Title      string   `json:"title"`
	Severity   string   `json:"severity"`
	Repo       string   `json:"repo"`
	Path       string   `json:"path"`
	Techniques []string `json:"techniques"`
	Tables     []string `json:"tables"`
	// Snippet is plain text (never HTML); Marks are the byte ranges of it that
	// matched the query. Pages escape the snippet first, then mark the ranges.
	Snippet string `json:"snippet"`
	Marks   []Span `json:"marks"`
	// Matched says why the rule was found: where its text holds the
	// search's words (title, description, query, indicator, field, event,
	// action, table, technique, tactic, tag, author, source, metadata); a
	// rule found by its own text ranks before one found by its metadata
	// alone. Empty for a listing without search text.
	Matched []string `json:"matched"`
}

// Span is a half-open byte range [Start, End).
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// FacetCount is how many rules of a result have one facet value.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Stats summarises a catalog.
type Stats struct {
	Rules       int            `json:"rules"`
	ByPlatform  map[string]int `json:"by_platform"`
	ByLanguage  map[string]int `json:"by_language"`
	ByKind      map[string]int `json:"by_kind"`
	ByRepo      map[string]int `json:"by_repo"`
	Tables      int            `json:"tables"`
	Techniques  int            `json:"techniques"`
	Indicators  int            `json:"indicators"`
	Events      int            `json:"events"`
	WithErrors  int            `json:"with_errors"` // rules with an error diagnostic
	Diagnostics int            `json:"diagnostics"` // diagnostics of every severity
	Built       string         `json:"built"`       // when the catalog was built (RFC 3339), if known
}

// IndicatorQuery asks for a page of indicators.
type IndicatorQuery struct {
	Field   string // exact field name (case-insensitive); "" means any
	Kind    string // exact kind; "" means any
	Text    string // substring of the value (case-insensitive)
	Page    int
	PerPage int
}

// IndicatorList is a page of indicators.
type IndicatorList struct {
	Total      int                `json:"total"`
	Page       int                `json:"page"`
	PerPage    int                `json:"per_page"`
	Indicators []IndicatorSummary `json:"indicators"`
	Fields     []FacetCount       `json:"fields"` // fields of the whole list, most used first
}

// IndicatorSummary is one distinct (field, kind, value) and how many rules match it.
type IndicatorSummary struct {
	Field      string         `json:"field"`
	Kind       string         `json:"kind"`
	Value      string         `json:"value"`
	Rules      int            `json:"rules"`
	ByPlatform map[string]int `json:"by_platform"`
}

// IndicatorResult is the rules that match one indicator value.
type IndicatorResult struct {
	Field string         `json:"field"`
	Kind  string         `json:"kind"`
	Value string         `json:"value"`
	Rules []IndicatorUse `json:"rules"`
}

// IndicatorUse is one rule that matches an indicator, and how.
type IndicatorUse struct {
	rule.RuleRef
	Kind          string `json:"kind"`
	CaseSensitive bool   `json:"case_sensitive"`
	All           bool   `json:"all"`
}

// Coverage is the ATT&CK coverage of a catalog (package catalog's matrix):
// tactics in matrix order, each with every current technique and the rules
// that cover it.
type (
	Coverage          = catalog.Matrix
	TacticCoverage    = catalog.TacticCoverage
	TechniqueCoverage = catalog.TechniqueCoverage
)
