// Package rule is ruledex's common model of a detection rule, whatever the
// language it was written in. It has no dependencies on the rest of the
// project: front ends and rule sources fill it, the catalog, the store and the
// web faces read it. Its JSON form is the contract of DESIGN.md: snake_case
// names, and lists that are never null (see Normalize).
package rule

// Kinds of rule.
const (
	KindDetection     = "detection"
	KindHunting       = "hunting"
	KindCorrelation   = "correlation"
	KindBuildingBlock = "building_block"
	KindAlertFeed     = "alert_feed"  // forwards another product's alerts
	KindFilter        = "filter"      // Sigma meta filter
	KindFunction      = "function"    // a saved KQL function / parser, not a detection
	KindMacro         = "macro"       // a search macro (Splunk), a definition rules use
	KindDataSource    = "data_source" // a data source's description (Splunk ESCU), which rules name
	KindDeployment    = "deployment"  // a schedule that rules of a type follow (Splunk ESCU)
)

// Predicate operator kinds, shared by every language.
const (
	OpEq         = "eq"
	OpNe         = "ne"
	OpContains   = "contains"
	OpStartsWith = "startswith"
	OpEndsWith   = "endswith"
	OpHas        = "has"
	OpHasAny     = "has_any"
	OpHasAll     = "has_all"
	OpHasPrefix  = "hasprefix"
	OpHasSuffix  = "hassuffix"
	OpIn         = "in"
	OpRegex      = "regex"
	OpGt         = "gt"
	OpGe         = "ge"
	OpLt         = "lt"
	OpLe         = "le"
	OpBetween    = "between"
	OpExists     = "exists"
	OpCIDR       = "cidr"
	OpKeyword    = "keyword" // a free-text search term with no field (Sigma keywords, KQL search)
)

// Severities of a Diagnostic.
const (
	SevError   = "error"
	SevWarning = "warning"
	SevInfo    = "info"
)

// Rule is one detection rule or query, as read from one place in one file.
type Rule struct {
	ID       string `json:"id"`       // platform/slug, unique in a catalog
	UID      string `json:"uid"`      // the rule's own identifier where its source states one (Sigma id, Sentinel id)
	Name     string `json:"name"`     // the rule's own short unique name where its source states one (Sigma name, used by correlations)
	Platform string `json:"platform"` // kusto, sigma, elastic, splunk, chronicle
	Product  string `json:"product"`  // sentinel, defender_xdr, ... where the source says
	Language string `json:"language"` // kql, sigma, eql, kuery, esql, lucene, spl, yaral
	Format   string `json:"format"`   // the file format it was read from: sentinel_yaml, markdown, kql_text, sigma_yaml...
	Variant  string `json:"variant"`  // the block's product heading when a file holds several variants

	Title       string `json:"title"`
	Description string `json:"description"`
	Source      Source `json:"source"`

	Kind           string    `json:"kind"`
	Status         string    `json:"status"`
	Severity       string    `json:"severity"`
	Authors        []string  `json:"authors"`
	Date           string    `json:"date"`
	Modified       string    `json:"modified"`
	Version        string    `json:"version"`
	References     []string  `json:"references"`
	Tags           []string  `json:"tags"`
	FalsePositives []string  `json:"false_positives"`
	Related        []Related `json:"related"`

	// Query is the rule body exactly as it was parsed: the KQL of a markdown
	// block or of Sentinel's `query:`, the whole YAML document of a Sigma rule.
	Query     string `json:"query"`
	QueryLine int    `json:"query_line"` // line of the query's first line in the file

	Techniques []Technique `json:"techniques"`
	Tactics    []string    `json:"tactics"` // tactics the source states (shortnames), with or without techniques

	TimeWindow string            `json:"time_window"`
	Frequency  string            `json:"frequency"`
	GroupBy    []string          `json:"group_by"`
	Trigger    string            `json:"trigger"`  // e.g. "gt 0" (Sentinel triggerOperator/triggerThreshold)
	Settings   map[string]string `json:"settings"` // other scheduling and alerting settings the source states

	Params []Param `json:"params"`

	Tables    []string `json:"tables"` // tables read; Sigma: product/service/category
	Operators []string `json:"operators"`
	Functions []string `json:"functions"`
	Keywords  []string `json:"keywords"` // every field named

	Stages         []Stage         `json:"stages"`
	Indicators     []Indicator     `json:"indicators"`
	Outputs        []OutputField   `json:"outputs"`
	EntityMappings []EntityMapping `json:"entity_mappings"`
	DataConnectors []string        `json:"data_connectors"`
	Events         []Event         `json:"events"`

	Explanation string `json:"explanation"`
	// ExplanationParts: the explanation's sentences in the order of the
	// stages they tell, a condition as its and/or tree; Explanation is
	// their text run together.
	ExplanationParts []ExplainPart `json:"explanation_parts"`
	// Sections: the source's own prose beside its description, kept as
	// written (a markdown query's Risk, Notes, False positives).
	Sections []Section `json:"sections"`

	// Filled by the catalog; empty from `ruledex parse`.
	Actions        []string  `json:"actions"`
	SameAction     []RuleRef `json:"same_action"`
	NearDuplicates []RuleRef `json:"near_duplicates"`
	// Canonical: the positive indicators in the vocabulary's canonical form
	// (internal/vocab), with their corpus counts; SameBehaviour: the rules
	// of any platform that share what makes them specific.
	Canonical     []CanonicalIndicator `json:"canonical_indicators"`
	SameBehaviour []BehaviourRef       `json:"same_behaviour"`

	Diagnostics []Diagnostic `json:"diagnostics"`
}

// Source tells where a rule was read.
type Source struct {
	Repo string `json:"repo"` // repository (source) name
	Path string `json:"path"` // slash-separated, relative to the repository root
	Line int    `json:"line"` // first line of the rule's query in the file (1-based)
	URL  string `json:"url"`  // link to the file where the repository's address is known
}

// Related is another rule this one names (Sigma related, correlation rules).
type Related struct {
	ID   string `json:"id"`
	Type string `json:"type"` // derived, obsolete, merged, renamed, similar, correlation, filter
}

// Technique is an ATT&CK technique the rule states it covers.
type Technique struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Tactic     string   `json:"tactic"`  // the tactic shown with it: the one the rule states, else ATT&CK's first
	Tactics    []string `json:"tactics"` // every tactic ATT&CK gives it (shortnames)
	Unknown    bool     `json:"unknown,omitempty"`
	Deprecated bool     `json:"deprecated,omitempty"`
	Revoked    bool     `json:"revoked,omitempty"`
	RevokedBy  string   `json:"revoked_by,omitempty"` // the id that replaces a revoked one
	StatedAs   string   `json:"stated_as,omitempty"`  // the id as the rule wrote it, when it was mapped
}

// Param is a named value: a KQL let statement, a Splunk macro, a Sigma placeholder.
type Param struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"` // scalar, tabular, function
	Value string `json:"value"`
}

// Stage is one step of the rule's logic.
type Stage struct {
	N          int         `json:"n"`
	Kind       string      `json:"kind"` // source, where, extend, summarize, join, ...; Sigma selection, condition
	Text       string      `json:"text"`
	Line       int         `json:"line"` // line of Text in the rule's query (1-based)
	Col        int         `json:"col"`
	Source     string      `json:"source"` // for a source stage or an inner pipeline: what it reads
	TimeWindow string      `json:"time_window"`
	Predicates []Predicate `json:"predicates"`
	Stages     []Stage     `json:"stages"` // inner pipelines (join, union, lookup, mv-apply, subqueries)
}

// Predicate is one condition on a field.
type Predicate struct {
	Field         string   `json:"field"`
	Kind          string   `json:"kind"`
	Values        []string `json:"values"`
	CaseSensitive bool     `json:"case_sensitive"`
	Negated       bool     `json:"negated"`
	All           bool     `json:"all"` // every value is required (Sigma |all, KQL has_all)
	// Wildcards: the values are patterns in which * (any run of characters)
	// and ? (one character) are wildcards and \* a literal star (Sigma's
	// plain values, EQL's :, kuery, SPL's search); false: every character of
	// a value is literal (KQL, EQL's ==).
	Wildcards bool   `json:"wildcards"`
	Text      string `json:"text"`
}

// Indicator is a distinct positive (field, kind) the rule matches, with its values.
type Indicator struct {
	Field         string        `json:"field"`
	Kind          string        `json:"kind"`
	CaseSensitive bool          `json:"case_sensitive"`
	Negated       bool          `json:"negated"`
	All           bool          `json:"all"`
	Wildcards     bool          `json:"wildcards"` // the values are patterns (see Predicate.Wildcards)
	Values        []string      `json:"values"`
	Corpus        []CorpusCount `json:"corpus"`
}

// CorpusCount is how many other rules of the catalog match the same (field, kind, value).
type CorpusCount struct {
	Value      string         `json:"value"`
	Total      int            `json:"total"`
	ByPlatform map[string]int `json:"by_platform"`
}

// CanonicalIndicator is one indicator value in the vocabulary's canonical
// form: `Image|endswith: '\certutil.exe'` and `FileName =~ "certutil.exe"`
// are both process.name eq certutil.exe. Values are case-folded: the
// canonical form says what is matched, not how strictly.
type CanonicalIndicator struct {
	Field      string         `json:"field"` // canonical (ECS) name
	Kind       string         `json:"kind"`  // eq, contains, startswith, endswith, regex, ...
	Value      string         `json:"value"`
	From       []string       `json:"from"`  // the indicators as the rule writes them ("Image endswith \certutil.exe")
	Total      int            `json:"total"` // other rules of the catalog with the same canonical indicator
	ByPlatform map[string]int `json:"by_platform"`
}

// BehaviourRef is a rule that detects the same behaviour as another: the
// canonical indicators they share, rarest first, and how much they weigh.
type BehaviourRef struct {
	ID       string   `json:"id"`
	Platform string   `json:"platform"`
	Title    string   `json:"title"`
	Path     string   `json:"path"`
	Score    int      `json:"score"`  // how alike the two rules' rare indicators are (cosine), in hundredths
	Shared   []string `json:"shared"` // "process.command_line contains urlcache"
}

// OutputField is a field the rule emits and the stage that makes it.
type OutputField struct {
	Name   string `json:"name"`
	Source string `json:"source"` // stage kind: project, extend, summarize, join, fields, outcome...
	Stage  int    `json:"stage"`  // stage number, 0 when not tied to one
	Expr   string `json:"expr"`   // the expression that makes it, when there is one
	Entity string `json:"entity"` // entity mapping (e.g. "Account.FullName") or custom detail name
}

// EntityMapping is a declared mapping of a column to an alert entity.
type EntityMapping struct {
	EntityType string `json:"entity_type"`
	Identifier string `json:"identifier"`
	Column     string `json:"column"`
}

// Event is an event type (action) the rule looks at.
type Event struct {
	Provider string `json:"provider"` // Azure Activity, Microsoft-Windows-Security-Auditing, Sysmon, CloudTrail...
	Event    string `json:"event"`
	Title    string `json:"title"`
	Channel  string `json:"channel"`
	// Inferred: the catalog gave the rule this event (from its tables,
	// actions and field values, or from the rules it is linked to), not
	// its lowering. The catalog takes these off and works them out again
	// on every cross-reference, so that a rule kept from the last catalog
	// has no event of a rule that is gone. Stored, not shown.
	Inferred bool `json:"-"`
}

// ExplainPart is one sentence of a rule's explanation, or one node of the
// and/or structure of its condition: a leaf says a test ("Image ends with
// '\certutil.exe'"), an inner node joins its items by Op.
type ExplainPart struct {
	Text  string        `json:"text"`  // the sentence, the test, or what comes before the items ("Matches events where")
	Label string        `json:"label"` // the name the source gives the node (a Sigma selection), if any
	Op    string        `json:"op"`    // how Items combine: ExplainAll, ExplainAny or ExplainNone; "" for a leaf
	Stage int           `json:"stage"` // the stage it tells (Stage.N); 0 when it tells the rule as a whole
	Items []ExplainPart `json:"items"`
}

// How the items of an ExplainPart combine.
const (
	ExplainAll  = "all"  // every item holds
	ExplainAny  = "any"  // at least one item holds
	ExplainNone = "none" // no item holds
	// ExplainSteps: the items are steps said in order (the inner pipeline
	// of a join), not tests.
	ExplainSteps = "steps"
)

// Section is a titled part of the source's own prose.
type Section struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// RuleRef points to another rule of the catalog.
type RuleRef struct {
	ID       string   `json:"id"`
	Platform string   `json:"platform"`
	Title    string   `json:"title"`
	Path     string   `json:"path"`
	Actions  []string `json:"actions"`
}

// Diagnostic is a problem met while reading a rule.
type Diagnostic struct {
	Path     string `json:"path"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// HasErrors tells whether any diagnostic of r is an error.
func (r *Rule) HasErrors() bool {
	for _, d := range r.Diagnostics {
		if d.Severity == SevError {
			return true
		}
	}
	return false
}

// AddDiagnostic appends a diagnostic for r's file.
func (r *Rule) AddDiagnostic(sev string, line, col int, msg string) {
	r.Diagnostics = append(r.Diagnostics, Diagnostic{Path: r.Source.Path, Line: line, Col: col, Severity: sev, Message: msg})
}

// IsDefinition tells whether kind is that of a definition other rules use
// (a macro, a data source, a deployment) rather than of a rule that looks at
// events: such a rule is searchable but left out of the browse pages and the
// ATT&CK coverage.
func IsDefinition(kind string) bool {
	switch kind {
	case KindMacro, KindDataSource, KindDeployment:
		return true
	}
	return false
}
