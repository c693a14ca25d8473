-- Brand logos Submit fetched, checked and serves from its own origin, one
-- row per tenant and logo URL, so that a URL that many jobs name is
-- fetched once. state is 'pending' (to be fetched), 'ok' (blob_key holds
-- the checked file) or 'failed' (error_code and error_message say why).
-- The file itself is content-addressed (logos/<sha256>.<ext>) and shared.
CREATE TABLE logos (
    tenant_id     text NOT NULL,
    url           text NOT NULL,
    state         text NOT NULL,
    blob_key      text NOT NULL DEFAULT '',
    content_type  text NOT NULL DEFAULT '',
    width         integer NOT NULL DEFAULT 0,
    height        integer NOT NULL DEFAULT 0,
    error_code    text NOT NULL DEFAULT '',
    error_message text NOT NULL DEFAULT '',
    requested_at  timestamptz NOT NULL,
    fetched_at    timestamptz,
    lease_owner   text,
    lease_until   timestamptz,
    PRIMARY KEY (tenant_id, url)
);
-- Only logos waiting to be fetched are in this index, for the claim.
CREATE INDEX logos_pending ON logos (requested_at) WHERE state = 'pending';
