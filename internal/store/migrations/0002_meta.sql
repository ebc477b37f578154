-- Facts about the catalog as a whole, by key: "reader" is the fingerprint of
-- the ruledex that read the files (see readerVersion); a build by another
-- ruledex reads every file again. Version 2.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
