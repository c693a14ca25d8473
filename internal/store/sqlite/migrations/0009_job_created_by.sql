-- Who created a job, and which idempotency record answered for it, so that
-- a test job can be traced to its key and deleted with everything it owns.
--
-- created_by_key_id is the API key that created the job; NULL for jobs
-- created before it was recorded (or, later, by something other than a
-- key). It is not a foreign key: keys are revoked, never deleted, and a
-- job must outlive whatever happens to its key, as the audit log's actor
-- does. created_by_name is a copy of the key's name at creation (see
-- store.Job's CreatedBy for why a copy rather than a join).
ALTER TABLE jobs ADD COLUMN created_by_key_id TEXT;
ALTER TABLE jobs ADD COLUMN created_by_name TEXT NOT NULL DEFAULT '';

-- The job an idempotency record's response created, so that deleting the
-- job deletes the record: a retry of the same request must not be answered
-- with a job that no longer exists. NULL on records from before this
-- migration, which expire within a day anyway.
ALTER TABLE idempotency_keys ADD COLUMN job_id TEXT;
CREATE INDEX idempotency_keys_job ON idempotency_keys (job_id) WHERE job_id IS NOT NULL;
