-- Limits counted across processes, so that several processes behind one
-- load balancer give a client the allowance of one.
--
-- rate_limits counts requests per subject (a client address) in fixed
-- windows: hits in the window that starts at window_start, previous_hits in
-- the one before it, which the limiter weighs by how much of it still
-- overlaps a sliding window. One row per subject, written by one UPSERT per
-- request; rows whose windows are over are swept. UNLOGGED: a count lost
-- in a crash costs nothing, and a hit then never waits for a WAL flush
-- (3 to 4 ms a hit on the development machine's disk, 0.15 ms without).
CREATE UNLOGGED TABLE rate_limits (
    subject       text NOT NULL PRIMARY KEY,
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL,
    previous_hits integer NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- signin_tries are sign-in tries per subject (an email, an address): a try
-- is recorded before the password is checked, so that tries at once on
-- several processes count against one limit, and stays as a failure when
-- the password was wrong. Tries older than the throttle's window are swept.
CREATE TABLE signin_tries (
    id       text NOT NULL PRIMARY KEY,
    subject  text NOT NULL,
    tried_at timestamptz NOT NULL
);
CREATE INDEX signin_tries_subject ON signin_tries (subject, tried_at);
CREATE INDEX signin_tries_tried_at ON signin_tries (tried_at);

-- host_slots share the callback per-host limit between processes: an
-- attempt in flight to a receiver holds one of its host's slots (0 to the
-- limit - 1) under a lease, so that a dead process's slots come free when
-- their leases end. A released slot has no owner. UNLOGGED, like
-- rate_limits: two writes an attempt must not wait for the WAL.
CREATE UNLOGGED TABLE host_slots (
    host        text NOT NULL,
    slot        integer NOT NULL,
    owner       text,
    lease_until timestamptz,
    PRIMARY KEY (host, slot)
);
