-- The findings of ruledex lint (internal/lint), run by every build over all
-- its rules and written whole each time (the checks across the corpus
-- change with any file): one row a finding, in the order lint gives them
-- (repository, path, line, column, check). The facets table holds each
-- rule's checks as the facet "finding". Version 8.

CREATE TABLE findings (
	rule        INTEGER NOT NULL,
	check_      TEXT NOT NULL,
	severity    TEXT NOT NULL,
	message     TEXT NOT NULL,
	line        INTEGER NOT NULL,
	col         INTEGER NOT NULL,
	fingerprint TEXT NOT NULL
);
CREATE INDEX findings_rule ON findings (rule);
CREATE INDEX findings_check ON findings (check_, rule);
