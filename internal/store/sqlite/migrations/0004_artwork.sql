-- Artwork versions, the pipeline's lease on jobs, and server secrets.
--
-- A version is one uploaded file, or one failed attempt to fetch the
-- artwork URL (no file: size 0, empty sha256 and blob_key). Its status
-- follows the job's while it is the current version.

CREATE TABLE artwork_versions (
    id         TEXT PRIMARY KEY,
    job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL,
    filename   TEXT NOT NULL DEFAULT '',
    size       INTEGER NOT NULL DEFAULT 0,
    sha256     TEXT NOT NULL DEFAULT '',
    blob_key   TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    errors     TEXT,
    files      TEXT,
    pages      INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
) STRICT;
-- Version ids start with their creation time: this index lists a job's
-- versions oldest first.
CREATE INDEX artwork_versions_job ON artwork_versions (job_id, id);

-- The pipeline leases a job while it works on it; a lease that runs out
-- (its process died) lets another process take the job over.
ALTER TABLE jobs ADD COLUMN work_owner TEXT;
ALTER TABLE jobs ADD COLUMN work_until TEXT;
-- Only jobs with pipeline work to do are in this index; the statuses are
-- literals, as in the claim query, so that the planner can use it.
CREATE INDEX jobs_work ON jobs (updated_at)
    WHERE status IN ('uploaded', 'preflighting', 'preflight_passed')
       OR (artwork_fetch = 'pending' AND status IN ('awaiting_upload', 'preflight_failed', 'rejected'));

-- Secrets every process of one installation must share, such as the key
-- that signs file links. Made once by whichever process needs one first.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    secret     BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
