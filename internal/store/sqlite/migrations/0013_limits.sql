-- Limits counted across processes, so that several processes behind one
-- load balancer give a client the allowance of one.
--
-- rate_limits counts requests per subject (a client address) in fixed
-- windows: hits in the window that starts at window_start, previous_hits in
-- the one before it, which the limiter weighs by how much of it still
-- overlaps a sliding window. One row per subject, written by one UPSERT per
-- request; rows whose windows are over are swept.
CREATE TABLE rate_limits (
    subject       TEXT NOT NULL PRIMARY KEY,
    window_start  TEXT NOT NULL,
    hits          INTEGER NOT NULL,
    previous_hits INTEGER NOT NULL
) STRICT;
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- signin_tries are sign-in tries per subject (an email, an address): a try
-- is recorded before the password is checked, so that tries at once on
-- several processes count against one limit, and stays as a failure when
-- the password was wrong. Tries older than the throttle's window are swept.
CREATE TABLE signin_tries (
    id       TEXT NOT NULL PRIMARY KEY,
    subject  TEXT NOT NULL,
    tried_at TEXT NOT NULL
) STRICT;
CREATE INDEX signin_tries_subject ON signin_tries (subject, tried_at);
CREATE INDEX signin_tries_tried_at ON signin_tries (tried_at);

-- host_slots share the callback per-host limit between processes: an
-- attempt in flight to a receiver holds one of its host's slots (0 to the
-- limit - 1) under a lease, so that a dead process's slots come free when
-- their leases end. A released slot has no owner.
CREATE TABLE host_slots (
    host        TEXT NOT NULL,
    slot        INTEGER NOT NULL,
    owner       TEXT,
    lease_until TEXT,
    PRIMARY KEY (host, slot)
) STRICT;
