-- Issue #15: the fixes Submit made to a version's file ([{code, message,
-- pages}], JSON), on the version and on each event about it, so that a
-- callback carries the fixes its version had when it happened.
ALTER TABLE artwork_versions ADD COLUMN fixes jsonb;
ALTER TABLE events ADD COLUMN fixes jsonb;
