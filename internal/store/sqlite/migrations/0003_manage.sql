-- Manage: operators, their sign-in sessions and the audit log, and the
-- indexes behind the dashboard's delivery counts. Nothing here depends on
-- 0002: the two were written side by side.
--
-- Emails are unique across tenants, because sign-in starts from the email
-- alone. email_key is the email lower-cased by the application, so that the
-- comparison is the same on SQLite and PostgreSQL whatever their collations.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator')),
    created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX users_tenant ON users (tenant_id, created_at);

-- Only the SHA-256 of a session's cookie token is kept: a copy of the
-- database signs nobody in.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_expires ON sessions (expires_at);

-- actor is a user id or "cli"; it is not a foreign key, so that the log
-- outlives the users it names.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor       TEXT NOT NULL,
    actor_email TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    occurred_at TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, occurred_at);

-- The dashboard counts the last day's outcomes of one tenant and mode.
CREATE INDEX deliveries_delivered ON deliveries (tenant_id, livemode, delivered_at);
CREATE INDEX deliveries_failed ON deliveries (tenant_id, livemode, failed_at);
