-- The catalog: files read, rules with their whole JSON, facets, full-text
-- search, indicators and build metadata. Applied by migrate; version 1.

CREATE TABLE files (
	repo    TEXT NOT NULL,
	path    TEXT NOT NULL,
	abs     TEXT NOT NULL,
	sha256  TEXT NOT NULL,
	format  TEXT NOT NULL,  -- '' when the file holds no rules ruledex reads
	size    INTEGER NOT NULL,
	mtime   INTEGER NOT NULL, -- unix nanoseconds
	skipped TEXT NOT NULL,  -- why the file was skipped, '' when it was read
	diags   TEXT NOT NULL,  -- JSON list of diagnostics that belong to no rule
	PRIMARY KEY (repo, path)
) WITHOUT ROWID;

CREATE TABLE rules (
	n           INTEGER PRIMARY KEY, -- rowid, shared with the search table
	id          TEXT NOT NULL UNIQUE COLLATE NOCASE,
	src_id      TEXT NOT NULL,       -- the id its source gave, before ids were made unique
	platform    TEXT NOT NULL,
	language    TEXT NOT NULL,
	product     TEXT NOT NULL,
	kind        TEXT NOT NULL,
	title       TEXT NOT NULL,
	severity    TEXT NOT NULL,
	status      TEXT NOT NULL,
	repo        TEXT NOT NULL,
	path        TEXT NOT NULL,
	line        INTEGER NOT NULL,
	url         TEXT NOT NULL,
	file_sha256 TEXT NOT NULL,
	techniques  TEXT NOT NULL,       -- technique ids, space-separated
	tables_     TEXT NOT NULL,       -- tables or log sources, newline-separated
	diag_errors INTEGER NOT NULL,
	json        TEXT NOT NULL        -- the whole rule.Rule
);
CREATE INDEX rules_file ON rules (repo, path);
CREATE INDEX rules_title ON rules (title COLLATE NOCASE, id);

CREATE TABLE facets (
	facet TEXT NOT NULL,
	value TEXT NOT NULL COLLATE NOCASE,
	rule  INTEGER NOT NULL,
	PRIMARY KEY (facet, value, rule)
) WITHOUT ROWID;
CREATE INDEX facets_rule ON facets (rule, facet, value);

CREATE VIRTUAL TABLE search USING fts5 (
	title, description, query, fields, vals, meta, parts,
	tokenize = "porter unicode61 remove_diacritics 2 tokenchars '._/-'"
);

CREATE TABLE indicators (
	rule           INTEGER NOT NULL,
	field          TEXT NOT NULL,
	kind           TEXT NOT NULL,  -- as the rule states it
	match_kind     TEXT NOT NULL,  -- as it is compared (catalog.MatchKind)
	value          TEXT NOT NULL,
	folded         TEXT NOT NULL,
	case_sensitive INTEGER NOT NULL,
	total          INTEGER NOT NULL -- other rules matching it
);
CREATE INDEX indicators_value ON indicators (folded, match_kind, field COLLATE NOCASE);
CREATE INDEX indicators_rule ON indicators (rule);

CREATE TABLE builds (
	n           INTEGER PRIMARY KEY,
	time        TEXT NOT NULL,    -- RFC 3339, UTC
	duration_ms INTEGER NOT NULL,
	sources     TEXT NOT NULL,    -- JSON list of sources
	summary     TEXT NOT NULL     -- JSON Summary
);
