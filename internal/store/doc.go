// Package store keeps a built catalog of rules in one SQLite file
// (modernc.org/sqlite, pure Go, FTS5) and answers the questions the faces ask.
//
// Building:
//
//	sum, err := store.Build(ctx, store.Options{DB: "ruledex.db", Sources: []store.Source{{Name: "sigma", Path: "/src/sigma"}}})
//
// reads every source in parallel (package ingest), reuses the stored rules of
// files whose SHA-256 did not change, runs the corpus-wide cross-references
// (package catalog: indicator corpus counts, near-duplicates, alert feeds,
// same-action links and events), writes everything to DB.new and renames it
// over DB, so that a crash or a cancelled build leaves the last good catalog.
// The *Summary tells rules per platform and kind, files read and skipped (and
// why), and diagnostics by severity.
//
// Reading (all methods are safe for concurrent use):
//
//	db, err := store.Open("ruledex.db")       // read-only; Close when done
//	db.Rule(id) (*rule.Rule, error)            // whole rule as built, id case-insensitive; ErrNotFound
//	db.Rules(facets, page, perPage) (Result, error)   // browse, no text
//	db.Search(Query{Text, Facets, Page, PerPage, FacetLimit, Browse}) (Result, error)
//	    Result{Total, Page, PerPage, Hits []Hit{RuleSummary, Snippet (HTML with <mark>), Text, Marks []Span}, Facets map[string][]Count}
//	db.FacetValues(facet) ([]Count, error)     // every value of one facet with its rule count
//	db.Stats() (Stats, error)                  // counts per platform/language/kind/repo, distinct tables, techniques, events, indicators; last build
//	db.Indicator(field, kind, value) ([]RuleSummary, error) // rules matching one indicator value
//	db.Indicators(IndicatorQuery{Field, Kind, Text, Page, PerPage}) (IndicatorList, error) // distinct indicators, most used first
//	db.Action(value) ([]ActionHit, error)       // rules that look at an action, by full or partial key (catalog.MatchAction)
//	db.AllRules() ([]*rule.Rule, error)         // every rule, for coverage and export
//	db.EachRule(func(*rule.Rule) error) error   // the same, one at a time
//	db.IDs() ([]string, error)                  // every rule id, sorted
//	db.Version() string                         // changes with every build (for ETags)
//
// Facets are the names in Facets: platform, kind, repo, language, tactic,
// technique (a technique also matches its sub-techniques), table, severity,
// status, author, provider, event, operator, function, field, tag. Browse
// leaves out third-party alert feeds (kind alert_feed).
// Search text is FTS5 over title, description, query, fields and values; words
// are ANDed, "quoted phrases" kept, -word excludes, word* is a prefix, OR
// between words. Tokens keep '.', '/', '_' and '-', and their parts are indexed
// too, so `runCommand` and `Microsoft.Compute/virtualMachines/runCommand/action`
// both find a rule that names the operation. A search of one term that names
// an action also finds the rules that match it in part (has_any
// ('runCommand/action')), after the text matches.
package store
