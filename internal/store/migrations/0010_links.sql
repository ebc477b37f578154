-- A rule's links to other rules (same action, near-duplicates, same
-- behaviour), out of its body: one row a rule that has any, the other rules
-- by their row (store/links.go). Version 10.

CREATE TABLE links (
	rule INTEGER PRIMARY KEY, -- rules.n
	data BLOB NOT NULL
);
