-- What the website reads without decoding every rule. Version 7.
--
-- blurb: the start of a rule's description (else of its query), which a
-- listing shows under each rule.
-- indicators.all_: the rule requires every value (Sigma |all, has_all).
-- table_fields: the fields a rule uses of each table it reads (see
-- fieldsByTable), for the page of a table.
-- The facets table also changes what it holds: tactics as ATT&CK shortnames
-- and a sub-technique's parent technique (facetsOf), so a catalog of an
-- older version is rebuilt.

ALTER TABLE rules ADD COLUMN blurb TEXT NOT NULL DEFAULT '';
ALTER TABLE indicators ADD COLUMN all_ INTEGER NOT NULL DEFAULT 0;

CREATE TABLE table_fields (
	rule  INTEGER NOT NULL,
	tbl   TEXT NOT NULL COLLATE NOCASE,
	field TEXT NOT NULL
);
CREATE INDEX table_fields_table ON table_fields (tbl, rule);
CREATE INDEX table_fields_rule ON table_fields (rule);
