-- The rules each rule names (Rule.Related) as its source wrote them, JSON:
-- a build links them to the rules they name (ingest.Link), which rewrites
-- them in the rule's JSON; an incremental build links a rule kept from the
-- last catalog afresh from these. Version 4.

ALTER TABLE rules ADD COLUMN src_related TEXT NOT NULL DEFAULT '[]';
