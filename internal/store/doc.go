// Package store keeps a built catalog of rules in one SQLite file
// (modernc.org/sqlite, pure Go, FTS5): its schema (migrations/*.sql), its
// writing and its reading. Package build runs the pipeline that fills it.
//
// Writing (package build):
//
//	prev, err := store.OpenPrevious(ctx, "ruledex.db") // the last catalog's files and rules, to reuse
//	_, err = store.WriteCatalog(ctx, store.Write{Path: "ruledex.db.new", Prev: prev, Files: files, Sources: srcs, Summary: sum})
//
// writes every rule with its facets (facetsOf: the one definition of a
// rule's facet values, which every listing, search, count, page and CLI
// filter reads; the facets table holds a row a value, its rules in one list,
// written once at the end: facetrules.go), its search text, indicators,
// actions and the fields it uses of each table; with a previous catalog,
// only the rows that changed.
// Rows are inserted in batches, one multi-row INSERT of up to 256 rows
// prepared once (batch.go; the writer numbers the rules' rows itself); a new
// catalog makes its secondary indexes once every row is in, from sorted
// rows, and merges its search index once, at the end (writer.finish).
// What can be made of a rule before it is inserted is made on every core,
// 64 rules ahead of the writer (its body, its facets, its search text,
// its held record's sums); the writer, one goroutine on the one connection,
// queues and inserts, and its time is SQLite's (at 164,000 rules, most of it
// in the search index, the held records, the rules and the indicators).
// Write.AsBuilt writes a build that made no cross-reference because every
// rule is held as the last catalog held it (Previous.SameHeld): the rows of
// rules held from the last catalog's records are kept as they are with
// their findings, the others are made with what the last catalog's rule
// was given (Previous.StoredOverlay, Previous.CorpusFindings) and compared
// whole, and the links are the last catalog's (Previous.LinksAsBuilt).
//
// Reading (all methods are safe for concurrent use, take a context first and
// stop when it is done):
//
//	db, err := store.Open("ruledex.db")             // read-only; Close when done
//	db.Rule(ctx, id) (*rule.Rule, error)            // whole rule as built, id case-insensitive; ErrNotFound
//	db.Search(ctx, Query{Text, Facets, Page, PerPage, FacetLimit, FacetKeys, Browse}) (Result, error)
//	    Result{Total, Page, PerPage, Hits []Hit{RuleSummary, Snippet (HTML with <mark>), Text, Marks []Span}, Facets map[string][]Count}
//	db.Rules(ctx, facets, page, perPage) (Result, error) // browse, no text
//	db.FacetValues(ctx, facet) ([]Count, error)     // every value of one facet with its rule count
//	db.Stats(ctx) (Stats, error)                    // counts per platform/language/kind/repo, distinct tables, techniques, events, indicators; last build
//	db.Indicator(ctx, field, kind, value) ([]IndicatorHit, error) // rules matching one indicator value, and how
//	db.Indicators(ctx, IndicatorQuery{Field, Kind, Text, Page, PerPage}) (IndicatorList, error) // distinct indicators, most used first
//	db.Action(ctx, value) ([]ActionHit, error)      // rules that look at an action, by full or partial key (catalog.MatchAction)
//	db.TableFields(ctx, table) ([]FieldCount, error) // fields of a table its rules use
//	db.Repo(ctx, name, limit) (*RepoInfo, error)    // a repository's rules by platform and kind, their diagnostics
//	db.Coverage(ctx, table, facets) (catalog.Matrix, error) // ATT&CK coverage, decoding only what it needs
//	db.EachHead(ctx, facets, func(*rule.Rule) error) error // each rule's head (what the coverage reads), one at a time
//	db.EachRule(ctx, func(*rule.Rule) error) error  // every rule whole, one at a time (ruledex lint --db)
//	db.AllRules(ctx) ([]*rule.Rule, error)          // every rule whole at once: for tests (6 GB at N = 15 forks of the corpus)
//	db.IDs(ctx) ([]string, error)                   // every rule id, sorted
//	db.Problems(ctx, severities...) ([]Problem, error) // diagnostics of files and rules
//	db.Version() string                             // changes with every build (for ETags)
//
// Facets are the names in Facets: platform, kind, repo, language, tactic
// (ATT&CK shortnames), technique (a sub-technique also gives its parent, so
// T1059 finds T1059.001), table, severity, status, author, provider, event,
// operator, function, field, tag. The count of a facet value in a Result is
// the total of the same query with that value (for a facet the query filters
// on, the value in place of the facet's values). Browse leaves out
// third-party alert feeds (kind alert_feed).
// Search text is FTS5 over title, description, query, fields and values; words
// are ANDed, "quoted phrases" kept, -word excludes, word* is a prefix, OR
// between words. Tokens keep '.', '/', '_' and '-', and their parts are indexed
// too, so `runCommand` and `Microsoft.Compute/virtualMachines/runCommand/action`
// both find a rule that names the operation. A search of one term that names
// an action also finds the rules that match it in part (has_any
// ('runCommand/action')), after the text matches. A search counts its facets
// while it ranks its page, and decodes, cuts into snippets and matches the
// page's hits on every core beside their summaries; a text not searched
// before is split into FTS5's terms by a tokenizer table of its own, in a
// database in memory (tokenizer), never on the catalog's connections.
package store
