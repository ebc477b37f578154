-- Rules are kept in a compact binary form (store/codec.go) instead of JSON:
-- an incremental build decodes every stored rule, and decoding JSON was
-- most of its time. diags is the JSON list of the rule's diagnostics, for
-- Problems. Version 5.

ALTER TABLE rules DROP COLUMN json;
ALTER TABLE rules ADD COLUMN body BLOB NOT NULL DEFAULT x'';
ALTER TABLE rules ADD COLUMN diags TEXT NOT NULL DEFAULT '[]';
