-- The rules that have an error (store.Problems: what a build prints when
-- it ends), found without reading the rows of every rule with a
-- diagnostic: rules_diags finds those (20,000 of 164,070 rules at N = 15,
-- most with warnings alone), and each row read to its diagnostics read
-- its body's overflow pages: 34,000 page reads, 0.3 s, after every build.
-- diag_errors is before the body in the row: making the index reads no
-- overflow page but those of the rules with errors. Version 14.

CREATE INDEX rules_errors ON rules (n) WHERE diag_errors > 0;
