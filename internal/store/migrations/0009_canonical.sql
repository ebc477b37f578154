-- Each rule's indicators in the common vocabulary's canonical form
-- (catalog.CanonicalIndicators): field (ECS name), kind and normalised,
-- case-folded value, and the rule's own spellings (JSON list), for the page
-- of a canonical indicator. Version 9.

CREATE TABLE canonical_indicators (
	rule  INTEGER NOT NULL,
	field TEXT NOT NULL,
	kind  TEXT NOT NULL,
	value TEXT NOT NULL,
	from_ TEXT NOT NULL
);
CREATE INDEX canonical_indicators_key ON canonical_indicators (field, kind, value);
CREATE INDEX canonical_indicators_rule ON canonical_indicators (rule);
