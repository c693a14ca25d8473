-- The first schema: tenants and their credentials, jobs with their events,
-- idempotency records, and callback deliveries with their attempts. Artwork
-- versions come in a later migration; jobs.current_version_id and
-- events.artwork_version_id are NULL-able so that it can make them foreign
-- keys.

CREATE TABLE tenants (
    id                text PRIMARY KEY,
    name              text NOT NULL UNIQUE,
    callback_url      text NOT NULL DEFAULT '',
    brand             jsonb,
    preflight_profile text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id           text PRIMARY KEY,
    tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    lookup       text NOT NULL UNIQUE,
    hash         bytea NOT NULL,
    livemode     boolean NOT NULL,
    scopes       jsonb NOT NULL DEFAULT '[]',
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE signing_secrets (
    id         text PRIMARY KEY,
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz -- NULL while it is the active secret
);
CREATE INDEX signing_secrets_tenant ON signing_secrets (tenant_id, created_at);

CREATE TABLE jobs (
    id                 text PRIMARY KEY,
    tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    livemode           boolean NOT NULL,
    external_id        text NOT NULL,
    status             text NOT NULL,
    metadata           jsonb,
    brand              jsonb,
    artwork_url        text NOT NULL DEFAULT '',
    callback_url       text NOT NULL DEFAULT '',
    preflight          jsonb,
    upload_token       text NOT NULL UNIQUE,
    sequence           bigint NOT NULL DEFAULT 0,
    current_version_id text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL
);
-- Ids start with their creation time: this index serves newest-first pages.
CREATE INDEX jobs_tenant_mode_id ON jobs (tenant_id, livemode, id);
CREATE INDEX jobs_tenant_external_id ON jobs (tenant_id, external_id);
CREATE INDEX jobs_expiring ON jobs (expires_at)
    WHERE status NOT IN ('approved', 'cancelled', 'expired');

CREATE TABLE events (
    id                 text PRIMARY KEY,
    job_id             text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    tenant_id          text NOT NULL,
    livemode           boolean NOT NULL,
    sequence           bigint NOT NULL,
    type               text NOT NULL,
    status             text NOT NULL,
    order_ref          text NOT NULL,
    artwork_version_id text,
    errors             jsonb,
    files              jsonb,
    occurred_at        timestamptz NOT NULL,
    UNIQUE (job_id, sequence)
);

CREATE TABLE idempotency_keys (
    tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    livemode     boolean NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    status_code  integer NOT NULL,
    body         bytea,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, livemode, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE deliveries (
    id              text PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    job_id          text REFERENCES jobs (id) ON DELETE CASCADE,   -- NULL for a ping
    event_id        text REFERENCES events (id) ON DELETE CASCADE, -- NULL for a ping
    livemode        boolean NOT NULL,
    url             text NOT NULL,
    state           text NOT NULL
        CHECK (state IN ('pending', 'delivered', 'failed', 'resolved')),
    attempts        integer NOT NULL DEFAULT 0,
    attempts_left   integer NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    lease_owner     text,
    lease_until     timestamptz,
    last_attempt_at timestamptz,
    last_status     integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz,
    failed_at       timestamptz,
    resolved_at     timestamptz,
    resolved_note   text NOT NULL DEFAULT ''
);
-- Claiming scans pending deliveries by due time; the others are history.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
-- A job's deliveries, and the ordering rule's look for earlier ones.
CREATE INDEX deliveries_job_url ON deliveries (job_id, url);
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_exceptions ON deliveries (tenant_id, livemode, failed_at)
    WHERE state = 'failed';

CREATE TABLE delivery_attempts (
    id          text PRIMARY KEY,
    delivery_id text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number      integer NOT NULL,
    started_at  timestamptz NOT NULL,
    duration_ns bigint NOT NULL,
    status_code integer NOT NULL DEFAULT 0,
    response    text NOT NULL DEFAULT '',
    error       text NOT NULL DEFAULT '',
    UNIQUE (delivery_id, number)
);
