-- The search table keeps its index only (contentless): its text is the
-- rule's, which the rules table holds, and keeping a copy made the catalog
-- a quarter larger (every build copies and syncs the whole file). Snippets
-- come from the rule's body. Version 6.

DROP TABLE search;
CREATE VIRTUAL TABLE search USING fts5 (
	title, description, query, fields, vals, meta, parts,
	content = '', contentless_delete = 1,
	tokenize = "porter unicode61 remove_diacritics 2 tokenchars '._/-'"
);
