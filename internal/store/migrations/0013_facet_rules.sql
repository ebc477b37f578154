-- The facets as one row a value as spelled, its rules in one list (the
-- numbers of their rows, ascending, comma-separated: facetrules.go), not
-- one row a rule and value: 5.09 million rows at 164,070 rules, which took
-- the writer's one connection 17 s to insert in the order of their key and
-- 3 s more to index by rule, against some 33,000 rows now. Values the same
-- but for ASCII case are one facet value (compared COLLATE NOCASE where they
-- are read), each spelling its own row. Version 13.

CREATE TABLE facet_rules (
	facet TEXT NOT NULL,
	value TEXT NOT NULL,
	rules TEXT NOT NULL,
	PRIMARY KEY (facet, value)
) WITHOUT ROWID;
-- (group_concat follows the order of the rows it is given; a list out of
-- order is sorted where it is read.)
INSERT INTO facet_rules (facet, value, rules)
	SELECT facet, v, group_concat(rule) FROM (SELECT facet, value COLLATE BINARY AS v, rule FROM facets ORDER BY facet, v, rule)
	GROUP BY facet, v;
DROP TABLE facets;
ALTER TABLE facet_rules RENAME TO facets;
