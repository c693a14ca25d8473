-- An operator who leaves is disabled, not deleted: the audit log keeps
-- naming them, and an admin can enable them again.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
