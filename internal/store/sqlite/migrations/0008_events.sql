-- Issue #13: who caused an event (decided_by), what an update changed,
-- and which event types a job and a tenant have callbacks sent for (a
-- JSON array; NULL means the default: see job.EventType.Sent).
ALTER TABLE events ADD COLUMN actor_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN actor_id TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN changes TEXT;
ALTER TABLE jobs ADD COLUMN events TEXT;
ALTER TABLE tenants ADD COLUMN events TEXT;
-- Before this migration only the customer's page approved and rejected.
UPDATE events SET actor_kind = 'customer' WHERE type IN ('approved', 'rejected');
