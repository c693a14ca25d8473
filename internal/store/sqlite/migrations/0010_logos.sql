-- Brand logos Submit fetched, checked and serves from its own origin, one
-- row per tenant and logo URL, so that a URL that many jobs name is
-- fetched once. state is 'pending' (to be fetched), 'ok' (blob_key holds
-- the checked file) or 'failed' (error_code and error_message say why).
-- The file itself is content-addressed (logos/<sha256>.<ext>) and shared.
CREATE TABLE logos (
    tenant_id     TEXT NOT NULL,
    url           TEXT NOT NULL,
    state         TEXT NOT NULL,
    blob_key      TEXT NOT NULL DEFAULT '',
    content_type  TEXT NOT NULL DEFAULT '',
    width         INTEGER NOT NULL DEFAULT 0,
    height        INTEGER NOT NULL DEFAULT 0,
    error_code    TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    requested_at  TEXT NOT NULL,
    fetched_at    TEXT,
    lease_owner   TEXT,
    lease_until   TEXT,
    PRIMARY KEY (tenant_id, url)
) STRICT;
-- Only logos waiting to be fetched are in this index, for the claim.
CREATE INDEX logos_pending ON logos (requested_at) WHERE state = 'pending';
