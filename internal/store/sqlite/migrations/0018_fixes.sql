-- Issue #15: the fixes Submit made to a version's file ([{code, message,
-- pages, offered}], JSON), on the version and on each event about it, so
-- that a callback carries the fixes its version had when it happened; and
-- the version's print choice (store.PrintChoice, JSON): the SHA-256 of the
-- file that prints, the file without the offered fixes, and which of the
-- two the customer approved.
ALTER TABLE artwork_versions ADD COLUMN fixes TEXT;
ALTER TABLE artwork_versions ADD COLUMN print TEXT;
ALTER TABLE events ADD COLUMN fixes TEXT;
