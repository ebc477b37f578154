-- What a build prints when it ends (store.Problems, errors only) read from
-- two small indexes alone. The files with diagnostics were a scan of the
-- whole files table (49 MB, 153,600 rows at N = 15, none of them with a
-- diagnostic); the rules with errors were found through rules_errors but
-- their diagnostics read from their rows, after their bodies' overflow
-- pages: together 16,000 page reads after every build, the most of the
-- 0.9 s from a quick rebuild's commit to its end (strace). Now
-- files_diags finds the files and rules_errors holds what is printed
-- (a few hundred rules' diagnostics, 133 kB at N = 15; diag_errors too,
-- which SQLite needs in an index it reads alone). Version 15.

CREATE INDEX files_diags ON files (repo, path) WHERE diags <> '[]';
DROP INDEX rules_errors;
CREATE INDEX rules_errors ON rules (n, repo, id, path, diags, diag_errors) WHERE diag_errors > 0;
