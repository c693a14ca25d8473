-- The first schema: tenants and their credentials, jobs with their events,
-- idempotency records, and callback deliveries with their attempts. Artwork
-- versions come in a later migration; jobs.current_version_id and
-- events.artwork_version_id are NULL-able so that it can make them foreign
-- keys.
--
-- SQLite flavour: STRICT tables; times are TEXT in UTC with six fractional
-- digits (sqldb.SQLiteTimeLayout), so that comparing them as text compares
-- the times; booleans are 0 or 1; JSON is TEXT.

CREATE TABLE tenants (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    callback_url      TEXT NOT NULL DEFAULT '',
    brand             TEXT,
    preflight_profile TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    lookup       TEXT NOT NULL UNIQUE,
    hash         BLOB NOT NULL,
    livemode     INTEGER NOT NULL,
    scopes       TEXT NOT NULL DEFAULT '[]',
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE signing_secrets (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT -- NULL while it is the active secret
) STRICT;
CREATE INDEX signing_secrets_tenant ON signing_secrets (tenant_id, created_at);

CREATE TABLE jobs (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    livemode           INTEGER NOT NULL,
    external_id        TEXT NOT NULL,
    status             TEXT NOT NULL,
    metadata           TEXT,
    brand              TEXT,
    artwork_url        TEXT NOT NULL DEFAULT '',
    callback_url       TEXT NOT NULL DEFAULT '',
    preflight          TEXT,
    upload_token       TEXT NOT NULL UNIQUE,
    sequence           INTEGER NOT NULL DEFAULT 0,
    current_version_id TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    expires_at         TEXT NOT NULL
) STRICT;
-- Ids start with their creation time: this index serves newest-first pages.
CREATE INDEX jobs_tenant_mode_id ON jobs (tenant_id, livemode, id);
CREATE INDEX jobs_tenant_external_id ON jobs (tenant_id, external_id);
CREATE INDEX jobs_expiring ON jobs (expires_at)
    WHERE status NOT IN ('approved', 'cancelled', 'expired');

CREATE TABLE events (
    id                 TEXT PRIMARY KEY,
    job_id             TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    tenant_id          TEXT NOT NULL,
    livemode           INTEGER NOT NULL,
    sequence           INTEGER NOT NULL,
    type               TEXT NOT NULL,
    status             TEXT NOT NULL,
    order_ref          TEXT NOT NULL,
    artwork_version_id TEXT,
    errors             TEXT,
    files              TEXT,
    occurred_at        TEXT NOT NULL,
    UNIQUE (job_id, sequence)
) STRICT;

CREATE TABLE idempotency_keys (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    livemode     INTEGER NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    body         BLOB,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, livemode, key)
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    job_id          TEXT REFERENCES jobs (id) ON DELETE CASCADE,   -- NULL for a ping
    event_id        TEXT REFERENCES events (id) ON DELETE CASCADE, -- NULL for a ping
    livemode        INTEGER NOT NULL,
    url             TEXT NOT NULL,
    state           TEXT NOT NULL
        CHECK (state IN ('pending', 'delivered', 'failed', 'resolved')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    attempts_left   INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_owner     TEXT,
    lease_until     TEXT,
    last_attempt_at TEXT,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    delivered_at    TEXT,
    failed_at       TEXT,
    resolved_at     TEXT,
    resolved_note   TEXT NOT NULL DEFAULT ''
) STRICT;
-- Claiming scans pending deliveries by due time; the others are history.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
-- A job's deliveries, and the ordering rule's look for earlier ones.
CREATE INDEX deliveries_job_url ON deliveries (job_id, url);
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_exceptions ON deliveries (tenant_id, livemode, failed_at)
    WHERE state = 'failed';

CREATE TABLE delivery_attempts (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    duration_ns INTEGER NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    response    TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    UNIQUE (delivery_id, number)
) STRICT;
