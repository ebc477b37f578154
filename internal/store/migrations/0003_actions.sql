-- The actions each rule looks at (catalog.ActionKeys): full keys and
-- partial ones (has, contains, startswith, endswith), so that a search for an
-- action finds the rules that name it in part. Version 3.

CREATE TABLE actions (
	rule  INTEGER NOT NULL,
	space TEXT NOT NULL,  -- azure, entra, aws, m365, okta, gcp, windows, ...
	value TEXT NOT NULL,  -- case-folded; Windows: provider:id
	match TEXT NOT NULL,  -- '' for a full key, else how a part matches
	label TEXT NOT NULL   -- as a reader sees it
);
CREATE INDEX actions_rule ON actions (rule);
