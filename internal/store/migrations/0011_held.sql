-- What a build kept in memory of each rule for the cross-reference, as it
-- had it before cross-referencing (package build's held record: the rule's
-- skeleton, what catalog.Prepare made of it and the lint checks it turns
-- off), the hash of what the cross-reference and linking then gave it
-- (store.OverlaySum), the hash of its body and of its findings. An
-- incremental build reads these for the files that did not change instead
-- of decoding and preparing every rule again, and tells by them a rule
-- stored as it is, and a rule whose findings are.
-- Version 11.

CREATE TABLE held (
	rule INTEGER PRIMARY KEY, -- rules.n
	data BLOB NOT NULL,
	sum BLOB NOT NULL,
	body_sum BLOB NOT NULL,
	findings_sum BLOB -- findingsSum's; NULL: unknown
);

-- What an incremental build reads of every rule (store.Previous), in an
-- index that holds it: reading it from the rules table read every page of
-- the rules' bodies (1.3 GB with 15 forks of the corpus).
CREATE INDEX rules_prev ON rules (n, id, src_id, kind, file_sha256, repo, path, src_related);
