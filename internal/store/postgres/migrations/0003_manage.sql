-- Manage: operators, their sign-in sessions and the audit log, and the
-- indexes behind the dashboard's delivery counts. Nothing here depends on
-- 0002: the two were written side by side.
--
-- Emails are unique across tenants, because sign-in starts from the email
-- alone. email_key is the email lower-cased by the application, so that the
-- comparison is the same on SQLite and PostgreSQL whatever their collations.

CREATE TABLE users (
    id            text PRIMARY KEY,
    tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         text NOT NULL,
    email_key     text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'operator')),
    created_at    timestamptz NOT NULL
);
CREATE INDEX users_tenant ON users (tenant_id, created_at);

-- Only the SHA-256 of a session's cookie token is kept: a copy of the
-- database signs nobody in.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- actor is a user id or "cli"; it is not a foreign key, so that the log
-- outlives the users it names.
CREATE TABLE audit_log (
    id          text PRIMARY KEY,
    tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor       text NOT NULL,
    actor_email text NOT NULL DEFAULT '',
    action      text NOT NULL,
    target      text NOT NULL DEFAULT '',
    detail      text NOT NULL DEFAULT '',
    occurred_at timestamptz NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, occurred_at);

-- The dashboard counts the last day's outcomes of one tenant and mode.
CREATE INDEX deliveries_delivered ON deliveries (tenant_id, livemode, delivered_at);
CREATE INDEX deliveries_failed ON deliveries (tenant_id, livemode, failed_at);
